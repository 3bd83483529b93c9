"""libpq-style options in ERP_DATABASE_URL become asyncpg's arguments, or a clear error."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from erp.platform.db.url import DatabaseUrlError, asyncpg_connect_args, describe_connect_error

BASE = "postgresql+asyncpg://erp:p%40ss@db.example.com:5432/erp"


def test_a_url_without_libpq_options_is_passed_through() -> None:
    spec = asyncpg_connect_args(BASE + "?prepared_statement_cache_size=0")
    assert spec.connect_args == {}
    assert spec.url.query == {"prepared_statement_cache_size": "0"}
    assert spec.url.password == "p@ss"


def test_sqlite_urls_are_left_alone() -> None:
    assert asyncpg_connect_args("sqlite+aiosqlite:///var/x.db?sslmode=require").connect_args == {}


@pytest.mark.parametrize("mode", ["allow", "prefer"])
def test_opportunistic_modes_use_the_drivers_own_fallback(mode: str) -> None:
    spec = asyncpg_connect_args(f"{BASE}?sslmode={mode}")
    assert spec.connect_args == {"ssl": mode}
    assert "sslmode" not in spec.url.query


def test_disable_turns_tls_off() -> None:
    assert asyncpg_connect_args(f"{BASE}?sslmode=disable").connect_args == {"ssl": False}


def test_require_encrypts_without_verifying() -> None:
    context = asyncpg_connect_args(f"{BASE}?sslmode=require").connect_args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname


def test_verify_full_checks_the_chain_and_the_host(tmp_path: Path) -> None:
    ca = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    if not ca.is_file():
        pytest.skip("no system CA bundle to load")
    spec = asyncpg_connect_args(f"{BASE}?sslmode=verify-full&sslrootcert={ca}")
    context = spec.connect_args["ssl"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    verify_ca = asyncpg_connect_args(f"{BASE}?sslmode=verify-ca&sslrootcert={ca}")
    assert not verify_ca.connect_args["ssl"].check_hostname
    assert verify_ca.connect_args["ssl"].verify_mode == ssl.CERT_REQUIRED
    assert spec.url.query == {}


def test_timeout_application_name_and_options_map_to_the_driver() -> None:
    spec = asyncpg_connect_args(
        f"{BASE}?connect_timeout=7&application_name=erp-inventory"
        "&options=-c%20statement_timeout%3D5000%20-csearch_path%3Derp"
    )
    assert spec.connect_args == {
        "timeout": 7.0,
        "server_settings": {
            "statement_timeout": "5000",
            "search_path": "erp",
            "application_name": "erp-inventory",
        },
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("sslmode=verify", "sslmode=verify"),
        ("sslmode=verify-full&sslrootcert=/nonexistent/ca.crt", "sslrootcert=/nonexistent"),
        ("sslmode=require&sslkey=/tmp/k", "sslkey"),
        ("connect_timeout=soon", "connect_timeout=soon"),
        ("options=statement_timeout", "options="),
    ],
)
def test_a_bad_option_is_refused_naming_it(query: str, names: str) -> None:
    with pytest.raises(DatabaseUrlError, match=names):
        asyncpg_connect_args(f"{BASE}?{query}")


def test_connection_failures_are_described_in_one_line() -> None:
    refused = describe_connect_error(ConnectionRefusedError(111, "Connection refused"), BASE)
    assert refused is not None and refused.startswith("ERP_DATABASE_URL: cannot reach")
    assert "db.example.com:5432" in refused and "\n" not in refused
    assert describe_connect_error(ValueError("something else"), BASE) is None

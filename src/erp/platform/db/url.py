"""Database URLs as users write them: libpq's query options mapped onto asyncpg.

Managed PostgreSQL documents its URLs for libpq (`?sslmode=verify-full&sslrootcert=...`), and
the chart builds them the same way. asyncpg takes none of these as keywords (SQLAlchemy passes
the query through, and asyncpg stops with "unexpected keyword argument 'sslmode'"), so they are
taken out of the URL here and turned into the driver's own arguments: an `ssl` context, a
`timeout`, `server_settings`. Every place that opens a PostgreSQL connection (the engine, the
migrations, the outbox listener) goes through `asyncpg_connect_args`.
"""

from __future__ import annotations

import shlex
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "connect_timeout",
        "application_name",
        "options",
    }
)


class DatabaseUrlError(ValueError):
    """A database URL option with a value the driver cannot use; the message names it."""


@dataclass(frozen=True)
class ConnectSpec:
    """A URL without libpq's options, and the driver arguments they stand for."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)
    sslmode: str | None = None


def _query_value(url: URL, name: str) -> str | None:
    value = url.query.get(name)
    if isinstance(value, tuple):  # repeated in the URL: libpq keeps the last
        value = value[-1]
    return value


def _ssl_context(
    mode: str, rootcert: str | None, cert: str | None, key: str | None, password: str | None
) -> ssl.SSLContext | str | bool:
    if mode == "disable":
        return False
    if mode in ("allow", "prefer") and not (rootcert or cert):
        return mode  # asyncpg's own fallback between plain and TLS
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    verify = mode in ("verify-ca", "verify-full") or (mode == "require" and rootcert)
    if rootcert and rootcert != "system":
        _readable(rootcert, "sslrootcert")
        context.load_verify_locations(cafile=rootcert)
    elif mode in ("verify-ca", "verify-full") and rootcert != "system":
        # libpq's default root file; without one, verification cannot be asked for.
        default = Path.home() / ".postgresql" / "root.crt"
        if not default.exists():
            raise DatabaseUrlError(
                f"sslmode={mode} needs sslrootcert (the CA that signed the server's certificate)"
            )
        context.load_verify_locations(cafile=str(default))
    # libpq: require with a root certificate verifies the chain, but never the host name.
    context.check_hostname = mode == "verify-full"
    context.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    if cert:
        _readable(cert, "sslcert")
        if key:
            _readable(key, "sslkey")
        context.load_cert_chain(certfile=cert, keyfile=key, password=password)
    elif key:
        raise DatabaseUrlError("sslkey is given without sslcert")
    return context


def _readable(path: str, option: str) -> None:
    if not Path(path).is_file():
        raise DatabaseUrlError(f"{option}={path}: no such file")


def _server_settings(options: str | None, application_name: str | None) -> dict[str, str]:
    settings: dict[str, str] = {}
    if options:
        words = shlex.split(options)
        i = 0
        while i < len(words):  # libpq: "-c name=value" or "-cname=value", repeated
            word = words[i]
            if word == "-c" and i + 1 < len(words):
                assignment, i = words[i + 1], i + 2
            elif word.startswith("-c"):
                assignment, i = word[2:], i + 1
            elif word.startswith("--") and "=" in word:  # --name=value, dashes as underscores
                name, _, value = word[2:].partition("=")
                assignment, i = f"{name.replace('-', '_')}={value}", i + 1
            else:
                raise DatabaseUrlError(f"options={options!r}: expected -c name=value")
            name, sep, value = assignment.partition("=")
            if not sep or not name:
                raise DatabaseUrlError(f"options={options!r}: expected -c name=value")
            settings[name] = value
    if application_name:
        settings["application_name"] = application_name
    return settings


def asyncpg_connect_args(url: str | URL) -> ConnectSpec:
    """Split libpq's options off a PostgreSQL URL into asyncpg's connect arguments.

    Other URLs (SQLite) and URLs without such options come back unchanged.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        return ConnectSpec(parsed)
    present = LIBPQ_OPTIONS.intersection(parsed.query)
    if not present:
        return ConnectSpec(parsed)
    get = lambda name: _query_value(parsed, name)  # noqa: E731
    args: dict[str, Any] = {}
    mode = get("sslmode")
    if mode is None and (get("sslrootcert") or get("sslcert")):
        mode = "verify-full" if get("sslrootcert") else "prefer"
    if mode is not None:
        if mode not in SSL_MODES:
            raise DatabaseUrlError(f"sslmode={mode}: expected one of {', '.join(SSL_MODES)}")
        args["ssl"] = _ssl_context(
            mode, get("sslrootcert"), get("sslcert"), get("sslkey"), get("sslpassword")
        )
    timeout = get("connect_timeout")
    if timeout is not None:
        try:
            seconds = float(timeout)
        except ValueError:
            raise DatabaseUrlError(f"connect_timeout={timeout}: expected seconds") from None
        if seconds > 0:  # libpq: zero or less waits forever; asyncpg's default is 60 s
            args["timeout"] = max(seconds, 2.0)  # libpq's own minimum is 2 s
    server_settings = _server_settings(get("options"), get("application_name"))
    if server_settings:
        args["server_settings"] = server_settings
    return ConnectSpec(parsed.difference_update_query(present), args, mode)


def describe_connect_error(error: BaseException, url: str | URL) -> str | None:
    """One line for a connection failure an operator can act on, or None for other errors."""
    parsed = make_url(url) if isinstance(url, str) else url
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or str(cause)
            mode = _query_value(parsed, "sslmode") or "verify-full"
            return (
                f"ERP_DATABASE_URL: the certificate of {where} failed verification "
                f"(sslmode={mode}): {reason}; check sslrootcert and the host name"
            )
        if isinstance(cause, ssl.SSLError):
            return f"ERP_DATABASE_URL: TLS to {where} failed: {cause.reason or cause}"
        if isinstance(cause, DatabaseUrlError):
            return f"ERP_DATABASE_URL: {cause}"
        if isinstance(cause, ConnectionError | OSError | TimeoutError):
            return f"ERP_DATABASE_URL: cannot reach {where}: {cause}"
        cause = cause.__cause__ or cause.__context__
    return None

"""Real processes on free ports: `erp serve inventory` (PostgreSQL) behind `erp serve gateway`
(SQLite for its users, Redis for rate limits, lockouts and revocations)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from erp.gateway.main import SPEC as GATEWAY
from erp.inventory.main import SPEC as INVENTORY
from erp.platform.auth import mint_token
from erp.platform.db.migrations import upgrade
from tests.support.databases import PostgresFactory
from tests.support.processes import ErpProcess, erp_process

SECRET = "gateway-test-secret-0123456789-0123456789"
ADMIN_PASSWORD = "gateway-admin-pass"
ORIGIN = "https://app.example"


@dataclass
class Stack:
    gateway: ErpProcess
    inventory: ErpProcess
    data: Path

    @property
    def url(self) -> str:
        return self.gateway.url

    def env(self) -> dict[str, str]:
        """What `erp users` needs to reach this gateway's database."""
        return {
            "ERP_DATABASE_URL": f"sqlite:///{self.data / 'gateway.db'}",
            "ERP_DATA_DIR": str(self.data),
            "ERP_JWT_SECRET": SECRET,
        }


def token(*roles: str, subject: str = "tester", ttl: int = 600, key: str = SECRET) -> str:
    return mint_token(key, subject=subject, roles=list(roles), ttl_seconds=ttl)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "tester",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
        "iss": "erp",
        "typ": "access",
        "jti": uuid.uuid4().hex,
        **overrides,
    }


def bad_tokens() -> dict[str, str]:
    """Tokens the edge must refuse with 401, by what is wrong with them."""
    good = token("admin")
    head, body, sig = good.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    return {
        "expired": jwt.encode(
            claims(iat=int(time.time()) - 700, exp=int(time.time()) - 100),
            SECRET,
            algorithm="HS256",
        ),
        "tampered": f"{head}.{flipped}.{sig}",
        "alg-none": jwt.encode(claims(), None, algorithm="none"),
        "wrong-key": token("admin", key="another-secret-0123456789-0123456789-xyz"),
        "refresh-type": jwt.encode(claims(typ="refresh"), SECRET, algorithm="HS256"),
        "garbage": "not.a.jwt",
    }


def start_gateway(
    tmp: Path, *, upstream: str, redis_url: str | None, migrate: bool = True, **extra: str
) -> tuple[Any, Path]:
    """A gateway process on its own SQLite database (migrated unless `migrate=False`)."""
    data = tmp / f"gw-{uuid.uuid4().hex[:6]}"
    data.mkdir()
    if migrate:
        upgrade(GATEWAY.migrations, f"sqlite+aiosqlite:///{data / 'gateway.db'}")
    env = {
        "ERP_DATA_DIR": str(data),
        "ERP_DATABASE_URL": f"sqlite:///{data / 'gateway.db'}",
        "ERP_JWT_SECRET": SECRET,
        "ERP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ERP_INVENTORY_URL": upstream,
        "ERP_CORS_ORIGINS": ORIGIN,
        "ERP_CLIENT_TIMEOUT_SECONDS": "1",
        "ERP_MAX_BODY_BYTES": "65536",
        "ERP_UPSTREAM_TIMEOUT_SECONDS": "3",
        "ERP_RATE_LIMIT_USER_PER_SECOND": "5000",
        "ERP_RATE_LIMIT_IP_PER_SECOND": "5000",
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
        # Each gateway its own Redis namespace: lockouts and limits of earlier runs stay apart.
        "ERP_REDIS_KEY_PREFIX": f"erp:test:{uuid.uuid4().hex[:10]}:",
        **({"ERP_REDIS_URL": redis_url} if redis_url else {}),
        **extra,
    }
    return erp_process(["serve", "gateway"], env, tmp), data


@pytest.fixture(scope="session")
def stack(
    postgres: PostgresFactory, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("gateway-stack")
    inventory_db = asyncio.run(postgres.fresh(INVENTORY))
    inventory_env = {
        "ERP_DATABASE_URL": inventory_db,
        "ERP_JWT_SECRET": SECRET,
        "ERP_DATA_DIR": str(tmp),
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
    }
    with erp_process(["serve", "inventory"], inventory_env, tmp) as inventory:
        inventory.wait_ready()
        gateway_cm, data = start_gateway(tmp, upstream=inventory.url, redis_url=redis_url)
        with gateway_cm as gateway:
            gateway.wait_ready()
            yield Stack(gateway, inventory, data)


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=10) as c:
        yield c


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/auth/token", data={"username": username, "password": password})


def new_user(client: httpx.Client, *roles: str, password: str = "user-pass-1234") -> str:
    """Create a user through the admin API; returns its (unique) name."""
    name = f"u{uuid.uuid4().hex[:10]}"
    admin = login(client, "admin", ADMIN_PASSWORD).json()["access_token"]
    r = client.post(
        "/api/gateway/users",
        headers=bearer(admin),
        json={"username": name, "password": password, "roles": list(roles)},
    )
    assert r.status_code == 201, r.text
    return name

"""The whole system as a user meets it: one gateway URL, people signing in with passwords.

`embedded` is `erp up` (SQLite, in-process events: what `make run` starts); `distributed` is
each service as its own process on PostgreSQL, events over Redis Streams, behind `erp serve
gateway`. Both answer the same requests; `Stack.cli` runs an `erp` command against the same
data the way an operator would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from erp import registry
from tests.support.databases import PostgresFactory
from tests.support.processes import ErpProcess, erp_command, erp_process, erp_up

ADMIN_PASSWORD = "month-admin-0123456789-abcdefghij"
PASSWORDS = {
    "clerk": ("warehouse", "clerk-pass-0123456789"),
    "accountant": ("accountant", "accountant-pass-0123456789"),
    "viewer": ("viewer", "viewer-pass-0123456789"),
}
SECRET = "month-secret-0123456789-0123456789-0123456789"


class Refused(AssertionError):
    """A request answered with another status than the one expected."""


@dataclass
class User:
    """One person signed in through the gateway, with the token the gateway gave them."""

    name: str
    client: httpx.Client

    def call(self, method: str, path: str, expect: int, **kw: Any) -> Any:
        response = self.client.request(method, path, **kw)
        if response.status_code != expect:
            raise Refused(f"{self.name} {method} {path}: {response.status_code} {response.text}")
        ctype = response.headers.get("content-type", "")
        return response.json() if "json" in ctype else response.text

    def post(self, path: str, body: Any = None, expect: int = 201, **kw: Any) -> Any:
        return self.call("POST", path, expect, json=body, **kw)

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        return self.call("GET", path, expect, params=params or None)


@dataclass
class Stack:
    kind: str
    url: str
    env: dict[str, str]  # shared by every command
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def cli(self, service: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, **self.service_env.get(service, {})}
        return subprocess.run(
            erp_command(*args), env=env, capture_output=True, text=True, timeout=120, check=False
        )

    def sign_in(self, username: str, password: str) -> User:
        token = httpx.post(
            f"{self.url}/auth/token", data={"username": username, "password": password}, timeout=10
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return User(username, httpx.Client(base_url=self.url, headers=headers, timeout=20))

    def open_users(self) -> None:
        admin = self.sign_in("admin", ADMIN_PASSWORD)
        self.users["admin"] = admin
        for name, (role, password) in PASSWORDS.items():
            admin.post(
                "/api/gateway/users", {"username": name, "password": password, "roles": [role]}
            )
            self.users[name] = self.sign_in(name, password)

    def close(self) -> None:
        for user in self.users.values():
            user.client.close()


def _base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ERP_DATA_DIR": str(tmp_path / "var"),
        "ERP_JWT_SECRET": SECRET,
        "ERP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
        "ERP_DRAIN_TIMEOUT_SECONDS": "5",
        "ERP_LOG_LEVEL": "WARNING",
    }


def _stop(procs: list[ErpProcess]) -> None:
    for proc in procs:
        if proc.proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 20
    for proc in procs:
        proc.proc.wait(timeout=max(1.0, deadline - time.monotonic()))


@contextmanager
def embedded(tmp_path: Path) -> Iterator[Stack]:
    env = _base_env(tmp_path)
    with erp_up(tmp_path, ADMIN_PASSWORD, **env) as proc:
        stack = Stack("embedded", proc.url, env)
        try:
            stack.open_users()
            yield stack
        finally:
            stack.close()
            _stop([proc])


@contextmanager
def distributed(tmp_path: Path, postgres: PostgresFactory, redis_url: str) -> Iterator[Stack]:
    env = {
        **_base_env(tmp_path),
        "ERP_EVENT_TRANSPORT": "redis",
        "ERP_REDIS_URL": redis_url,
        "ERP_EVENT_STREAM_PREFIX": f"erp:month:{uuid.uuid4().hex[:8]}:",
    }
    names = ("inventory", "finance", "reporting", "gateway")
    urls = {name: asyncio.run(postgres.fresh(registry.load(name))) for name in names}
    service_env = {name: {"ERP_DATABASE_URL": urls[name]} for name in names}
    with ExitStack() as stack:
        procs: dict[str, ErpProcess] = {}
        for name in names:
            own = dict(service_env[name])
            if name in ("finance", "reporting", "gateway"):
                own["ERP_INVENTORY_URL"] = procs["inventory"].url
            if name == "gateway":
                own["ERP_FINANCE_URL"] = procs["finance"].url
                own["ERP_REPORTING_URL"] = procs["reporting"].url
            procs[name] = stack.enter_context(
                erp_process(["serve", name], {**env, **own}, tmp_path)
            )
            procs[name].wait_ready(30)
        # Commands an operator runs find inventory the same way finance does.
        service_env["finance"]["ERP_INVENTORY_URL"] = procs["inventory"].url
        system = Stack("distributed", procs["gateway"].url, env, service_env)
        try:
            system.open_users()
            yield system
        finally:
            system.close()
            _stop(list(procs.values()))

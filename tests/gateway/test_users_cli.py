"""`erp users create|list|disable|set-password` against the running gateway's database."""

from __future__ import annotations

import os
import subprocess
import uuid

import httpx

from tests.gateway.conftest import Stack, login
from tests.support.processes import erp_command


def erp(stack: Stack, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        erp_command("users", *args),
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **stack.env()},
        timeout=60,
    )


def test_users_cli_lifecycle(stack: Stack, client: httpx.Client) -> None:
    name = f"cli{uuid.uuid4().hex[:8]}"
    made = erp(
        stack, "create", name, "--role", "accountant", "--password-stdin", stdin="first-password\n"
    )
    assert made.returncode == 0, made.stderr
    assert login(client, name, "first-password").status_code == 200
    listed = erp(stack, "list")
    assert listed.returncode == 0 and name in listed.stdout
    changed = erp(stack, "set-password", name, "--password-stdin", stdin="second-password\n")
    assert changed.returncode == 0, changed.stderr
    assert login(client, name, "first-password").status_code == 401
    assert login(client, name, "second-password").status_code == 200
    assert erp(stack, "disable", name).returncode == 0
    assert login(client, name, "second-password").status_code == 401


def test_users_cli_refuses_bad_input(stack: Stack) -> None:
    assert (
        erp(
            stack, "create", "x", "--role", "boss", "--password-stdin", stdin="long-enough-pw\n"
        ).returncode
        == 2
    )
    short = erp(stack, "create", "x", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert erp(stack, "disable", "no-such-user").returncode == 1
    twice = erp(
        stack, "create", "admin", "--role", "admin", "--password-stdin", stdin="long-enough-pw\n"
    )
    assert twice.returncode == 1 and "already exists" in twice.stderr

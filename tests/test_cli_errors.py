"""Expected failures of `erp` are one line on stderr naming the cause and the fix, with a
non-zero exit code; the first start's admin password is shown once the system listens."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import erp_command, free_port, status_of, wait_until

pytestmark = pytest.mark.slow


def clean_env(data: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    return {**env, "ERP_DATA_DIR": str(data), "ERP_SHUTDOWN_DELAY_SECONDS": "0", **values}


def run_erp(
    *args: str, env: dict[str, str], cwd: Path, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, *erp_command(*args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("erp: "), lines
    return lines[0]


@pytest.mark.parametrize(
    ("command", "database"),
    [
        (("users", "list"), "gateway"),
        (("inventory", "verify"), "inventory"),
        (("finance", "verify"), "finance"),
        (("reporting", "rebuild"), "reporting"),
    ],
)
def test_an_unmigrated_database_says_run_erp_migrate(
    tmp_path: Path, command: tuple[str, ...], database: str
) -> None:
    line = one_line(run_erp(*command, env=clean_env(tmp_path / "var"), cwd=tmp_path))
    assert f"the {database} database is not migrated" in line
    assert line.endswith("run `erp migrate`")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


@pytest.mark.parametrize("command", [("up",), ("serve", "gateway"), ("serve", "inventory")])
def test_a_busy_port_is_one_line_and_nothing_is_created(
    tmp_path: Path, busy_port: int, command: tuple[str, ...]
) -> None:
    data = tmp_path / "var"
    env = clean_env(data, ERP_PORT=str(busy_port), ERP_HOST="127.0.0.1")
    line = one_line(run_erp(*command, env=env, cwd=tmp_path))
    assert line == f"erp: ERP_PORT={busy_port} is in use; stop the other process or set ERP_PORT"
    # Stopped before any database was made, so no admin password was generated and lost.
    assert not data.exists() or not list(data.glob("*.db"))


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path / "var", ERP_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/erp"
    )
    line = one_line(run_erp("users", "list", env=env, cwd=tmp_path))
    assert line.startswith("erp: ERP_DATABASE_URL: cannot reach 127.0.0.1:")
    assert "ERP_DATABASE_URL" in line.partition("cannot reach")[2]


def test_unreachable_redis_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert run_erp("migrate", env=clean_env(data), cwd=tmp_path).returncode == 0
    port = free_port()
    env = clean_env(data, ERP_EVENT_TRANSPORT="redis", ERP_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    line = one_line(run_erp("events", "replay-dead-letters", "--yes", env=env, cwd=tmp_path))
    assert line.startswith(f"erp: ERP_REDIS_URL: cannot reach 127.0.0.1:{port}")
    assert line.endswith("start Redis or fix ERP_REDIS_URL")
    status = run_erp("events", "status", env=env, cwd=tmp_path)
    assert status.returncode == 1
    assert len(status.stderr.splitlines()) == 1, status.stderr  # one cause, said once


def unprivileged() -> tuple[str, ...]:
    """A prefix that runs a command without root's right to write anywhere."""
    if os.geteuid() != 0:
        return ()
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "true"]).returncode != 0:
        pytest.skip("running as root without user namespaces: permissions are not enforced")
    return (unshare, "--user")


@pytest.mark.parametrize("command", [("migrate",), ("up",), ("token", "--role", "admin")])
def test_a_data_dir_this_user_may_not_write_is_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for data in (locked / "var", locked):  # missing below a locked parent; locked itself
            env = clean_env(data, ERP_PORT=str(free_port()))
            line = one_line(run_erp(*command, env=env, cwd=tmp_path, prefix=unprivileged()))
            assert "permission denied" in line and str(data) in line, line
            assert line.endswith("or set ERP_DATA_DIR to a directory it owns")
    finally:
        locked.chmod(0o755)


def start_up(env: dict[str, str], cwd: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    err = cwd / f"{name}.err"
    with (cwd / f"{name}.out").open("wb") as out, err.open("wb") as errors:
        proc = subprocess.Popen(erp_command("up"), env=env, cwd=cwd, stdout=out, stderr=errors)
    return proc, err


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_generated_admin_password_is_shown_in_a_box_once_the_system_listens(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = clean_env(tmp_path / "var", ERP_PORT=str(port), ERP_HOST="127.0.0.1")
    url = f"http://127.0.0.1:{port}"
    proc, err = start_up(env, tmp_path, "first")
    try:
        assert wait_until(lambda: "╰" in err.read_text(), 30), err.read_text()
    finally:
        stop(proc)
    lines = err.read_text().splitlines()
    assert lines[0].startswith("╭") and lines[-1].startswith("╰"), lines  # nothing but the box
    line = next(ln for ln in lines if "created user 'admin' with password" in ln)
    password = line.split("with password ", 1)[1].split(" ", 1)[0]
    assert password not in (tmp_path / "first.out").read_text()  # not in the logs

    proc, err = start_up(env, tmp_path, "second")
    try:
        assert wait_until(lambda: status_of(url + "/readyz") == 200, 30)
        token = httpx.post(url + "/auth/token", data={"username": "admin", "password": password})
        assert token.status_code == 200, token.text
    finally:
        stop(proc)
    assert err.read_text() == ""  # shown once

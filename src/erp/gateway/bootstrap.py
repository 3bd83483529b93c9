"""The first user: `admin`, created on start when the user table is empty (docs/architecture.md,
"Security")."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy.exc import DBAPIError

from erp.gateway.domain.users import count_users, create_user
from erp.gateway.state import gateway_state
from erp.platform.errors import Conflict
from erp.platform.logging import get_logger
from erp.platform.runtime import Runtime

ADMIN = "admin"
LISTENING_POLL_SECONDS = 0.05
# How often a gateway that started before its schema looks again (its readiness check waits
# for the same migration).
SCHEMA_POLL_SECONDS = 1.0
log = get_logger(__name__)


async def ensure_admin(runtime: Runtime) -> None:
    """Create `admin` with ERP_ADMIN_PASSWORD, or with a generated password shown once.

    On a first install the pods start together with the migration Jobs (`helm install --wait`,
    Argo CD), so the users table may not exist yet: the gateway then waits for it in the
    background and creates the user once it is there, instead of leaving a release nobody can
    sign in to until a pod restarts.

    A generated one is made only once the gateway listens: a start that fails (a busy port)
    then leaves no account behind whose password scrolled past among its errors, and the
    password is the last thing on the screen rather than lost among the start-up logs."""
    users, reason = await _count(runtime)
    if users is None:
        log.warning("bootstrap_admin_waiting", reason=reason, hint="run `erp migrate gateway`")
        gateway_state(runtime).tasks.append(asyncio.create_task(_once_migrated(runtime)))
        return
    await _bootstrap(runtime, users)


async def _count(runtime: Runtime) -> tuple[int | None, str]:
    """How many users there are, or None (and why) while the schema is not there."""
    try:
        async with runtime.db.read() as conn:
            return await count_users(conn), ""
    except DBAPIError as error:
        return None, str(error).splitlines()[0][:200]


async def _once_migrated(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(SCHEMA_POLL_SECONDS)
        users, _ = await _count(runtime)
        if users is not None:
            return await _bootstrap(runtime, users)


async def _bootstrap(runtime: Runtime, users: int) -> None:
    if users:
        return
    given = runtime.settings.admin_password
    if given:
        if await _create(runtime, given.get_secret_value()):
            log.info("bootstrap_admin_created", username=ADMIN, password_from="ERP_ADMIN_PASSWORD")
        return
    state = gateway_state(runtime)
    state.tasks.append(asyncio.create_task(_generated_once_listening(runtime)))


async def _create(runtime: Runtime, password: str) -> bool:
    """True when this process created the user (not another replica, before it)."""
    try:
        async with runtime.db.transaction() as conn:
            if await count_users(conn):
                return False
            await create_user(conn, username=ADMIN, password=password, roles=["admin"])
    except Conflict:
        return False  # another replica created it first
    except DBAPIError as error:
        reason = str(error).splitlines()[0][:200]
        log.warning("bootstrap_admin_skipped", reason=reason, hint="run `erp migrate gateway`")
        return False
    return True


async def _generated_once_listening(runtime: Runtime) -> None:
    state = gateway_state(runtime)
    # serve.py attaches the proxy once it accepts connections, and signals nothing else; with
    # no proxy (the control app on its own, in tests) this waits until shutdown cancels it.
    while state.proxy is None:  # noqa: ASYNC110
        await asyncio.sleep(LISTENING_POLL_SECONDS)
    password = secrets.token_urlsafe(12)
    if not await _create(runtime, password):
        return
    log.warning("bootstrap_admin_created", username=ADMIN, password_from="generated")
    # Rich (~20 ms, a few MB) only for this once-per-installation message.
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    message = Text.assemble(
        f"created user '{ADMIN}' with password ",
        (password, "bold"),
        f"\nshown once; change it with `erp users set-password {ADMIN}`",
    )
    console = Console(stderr=True)
    console.print(Panel(message, title="erp: first start", expand=False, border_style="yellow"))
    console.file.flush()

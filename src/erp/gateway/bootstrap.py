"""The first user: `admin`, created on start when the user table is empty (DESIGN §8)."""

from __future__ import annotations

import secrets
import sys

from sqlalchemy.exc import DBAPIError

from erp.gateway.domain.users import count_users, create_user
from erp.platform.errors import Conflict
from erp.platform.logging import get_logger
from erp.platform.runtime import Runtime

ADMIN = "admin"
log = get_logger(__name__)


async def ensure_admin(runtime: Runtime) -> None:
    """Create `admin` with ERP_ADMIN_PASSWORD, or with a generated password printed once."""
    given = runtime.settings.admin_password
    password = given.get_secret_value() if given else secrets.token_urlsafe(12)
    try:
        async with runtime.db.transaction() as conn:
            if await count_users(conn):
                return
            await create_user(conn, username=ADMIN, password=password, roles=["admin"])
    except Conflict:
        return  # another replica created it first
    except DBAPIError as error:
        reason = str(error).splitlines()[0][:200]
        log.warning("bootstrap_admin_skipped", reason=reason, hint="run `erp migrate gateway`")
        return
    if given:
        log.info("bootstrap_admin_created", username=ADMIN, password_from="ERP_ADMIN_PASSWORD")
    else:
        log.warning("bootstrap_admin_created", username=ADMIN, password_from="generated")
        print(
            f"erp: created user {ADMIN!r} with password {password} (shown once; "
            "change it with `erp users set-password admin`)",
            file=sys.stderr,
            flush=True,
        )

"""User administration (admin only): /api/gateway/users on the edge, /users here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from erp.gateway.api.deps import Admin
from erp.gateway.domain import tokens, users
from erp.gateway.schemas.users import UserCreate, UserRead, UserUpdate
from erp.platform.api import RuntimeDep

router = APIRouter(prefix="/api/gateway/users", tags=["users"])
UsernamePath = Path(max_length=100, description="The user's login name.")


@router.get("", response_model=list[UserRead])
async def list_users(runtime: RuntimeDep, _: Admin) -> Any:
    """Every user, enabled or not, with their roles."""
    async with runtime.db.read() as conn:
        return await users.list_users(conn)


@router.post("", status_code=201, response_model=UserRead)
async def create_user(body: UserCreate, runtime: RuntimeDep, _: Admin) -> Any:
    """Add a user who can log in at once with the password given; a username already taken
    is a 409."""
    async with runtime.db.transaction() as conn:
        return await users.create_user(conn, username=body.username, password=body.password,
                                       roles=list(body.roles))  # fmt: skip


@router.get("/{username}", response_model=UserRead)
async def get_user(runtime: RuntimeDep, _: Admin, username: str = UsernamePath) -> Any:
    """One user; 404 when there is none of that name."""
    async with runtime.db.read() as conn:
        return await users.get_user(conn, username=username)


@router.patch("/{username}", response_model=UserRead)
async def update_user(
    body: UserUpdate, runtime: RuntimeDep, _: Admin, username: str = UsernamePath
) -> Any:
    """Change roles, disable or enable, or set a new password; fields left out keep their
    value. Disabling or a new password revokes the user's refresh tokens. 404 when there is
    no such user."""
    async with runtime.db.transaction() as conn:
        user = await users.update_user(
            conn,
            username=username,
            active=body.active,
            roles=list(body.roles) if body.roles is not None else None,
            password=body.password,
        )
        if body.active is False or body.password is not None:
            await tokens.revoke_all_for(conn, user_id=user["id"])
    return user

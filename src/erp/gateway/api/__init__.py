"""Gateway control-app routes; this module only gathers the routers."""

from __future__ import annotations

from fastapi import APIRouter

from erp.gateway.api import auth, status, users


def routers() -> list[APIRouter]:
    return [auth.router, users.router, status.router]

"""Tokens: log in (OAuth2 password form), refresh, log out, and the public keys (RS256)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.gateway.api.deps import ClientIp, ControlVerifier, StateDep
from erp.gateway.domain import tokens, users
from erp.gateway.domain.errors import InvalidCredentials
from erp.gateway.schemas.tokens import TokenResponse
from erp.gateway.state import GatewayState
from erp.platform.api import RuntimeDep
from erp.platform.auth import bearer_token
from erp.platform.errors import NotFound

router = APIRouter(tags=["auth"])


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


async def password_form(
    username: Annotated[str, Form(description="The user's login name.")],
    password: Annotated[str, Form(json_schema_extra={"format": "password"})],
    grant_type: Annotated[
        str | None, Form(pattern="^password$", description="`password` if sent (OAuth2).")
    ] = None,
) -> Credentials:
    """The OAuth2 password grant's form; other OAuth2 fields are accepted and ignored."""
    return Credentials(username, password)


PasswordForm = Annotated[Credentials, Depends(password_form)]
RefreshToken = Annotated[
    str, Form(min_length=1, max_length=200, description="The `refresh_token` of the last pair.")
]


def _answer(pair: tokens.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


async def _issue(conn: AsyncConnection, state: GatewayState, user: dict[str, Any]) -> Any:
    ttl = state.settings.refresh_token_ttl_seconds
    return await tokens.issue(conn, state.signer, user=user, refresh_ttl_seconds=ttl)


@router.post("/auth/token", response_model=TokenResponse)
async def login(form: PasswordForm, runtime: RuntimeDep, state: StateDep, ip: ClientIp) -> Any:
    """Exchange a username and password (an OAuth2 password form) for a short-lived access
    token, sent as `Authorization: Bearer ...` to every service, and a refresh token. A wrong
    username or password, or a disabled account, is a 401 `invalid-credentials`; after
    repeated failures for one username and address, logins are refused for a while with a
    429 and `Retry-After`."""
    await state.guard.check(form.username, ip)
    try:
        async with runtime.db.read() as conn:
            user = await users.authenticate(conn, username=form.username, password=form.password)
    except InvalidCredentials:
        await state.guard.failed(form.username, ip)
        raise
    await state.guard.succeeded(form.username, ip)
    async with runtime.db.transaction() as conn:
        pair = await _issue(conn, state, user)
    return _answer(pair)


@router.post("/auth/refresh", response_model=TokenResponse)
async def refresh(refresh_token: RefreshToken, runtime: RuntimeDep, state: StateDep) -> Any:
    """A new token pair for a valid refresh token, which is used up (rotation): each refresh
    token works once. An invalid, expired, revoked or used one, or one of a disabled account,
    is a 401."""
    async with runtime.db.transaction() as conn:
        user = await tokens.redeem(conn, refresh_token=refresh_token)
        pair = await _issue(conn, state, user)
    return _answer(pair)


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request,
    runtime: RuntimeDep,
    state: StateDep,
    refresh_token: Annotated[
        str | None, Form(max_length=200, description="The refresh token to revoke.")
    ] = None,
) -> Response:
    """Revoke the refresh token given and the bearer access token, if any; the access token
    is refused at the edge from then on. Answers 204 even when there was nothing to revoke."""
    identity = None
    if request.headers.get("authorization"):
        verifier: ControlVerifier = request.app.state.token_verifier
        identity = verifier.identity(bearer_token(request))
    async with runtime.db.transaction() as conn:
        if refresh_token:
            await tokens.revoke(conn, refresh_token=refresh_token)
        if identity is not None and identity.jti:
            await state.revocations.revoke(conn, jti=identity.jti, expires_at=identity.exp)
    return Response(status_code=204)


@router.get("/.well-known/jwks.json", include_in_schema=False)
async def jwks(state: StateDep) -> dict[str, Any]:
    keys = state.signer.jwks()
    if keys is None:
        raise NotFound("tokens are signed with a shared secret (HS256); there is no public key")
    return keys

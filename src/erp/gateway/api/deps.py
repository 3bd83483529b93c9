"""Who may do what on the gateway's own routes, and the gateway's live state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from erp.gateway.proxy.tokens import Identity, TokenRejectedError, TokenVerifier
from erp.gateway.state import GatewayState, gateway_state
from erp.platform.api import RuntimeDep
from erp.platform.auth import Principal, require_roles
from erp.platform.errors import Unauthorized
from erp.platform.runtime import Runtime


async def get_state(runtime: RuntimeDep) -> GatewayState:
    return gateway_state(runtime)


async def client_ip(request: Request) -> str:
    """The address the edge saw (the last X-Forwarded-For entry is the one it appended)."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.client.host if request.client else "unknown"


class ControlVerifier:
    """Verifies tokens on the control app's own routes with the gateway's algorithm and, unlike
    the platform's verifier, its revocation list (logout must take effect on these routes)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._inner: TokenVerifier | None = None

    def identity(self, token: str) -> Identity:
        inner = self._inner
        if inner is None:
            state = gateway_state(self.runtime)
            rs256 = state.signer.algorithm == "RS256"
            inner = self._inner = TokenVerifier(
                secret=None if rs256 else self.runtime.jwt_secret,
                public_key=state.signer.public_key if rs256 else None,
                is_revoked=state.revoked.__contains__,
            )
        try:
            return inner.verify_header(b"Bearer " + token.encode())
        except TokenRejectedError as error:
            raise Unauthorized(str(error)) from None

    def verify(self, token: str) -> Principal:
        ident = self.identity(token)
        return Principal(ident.sub, frozenset(ident.roles), ident.exp)


StateDep = Annotated[GatewayState, Depends(get_state)]
ClientIp = Annotated[str, Depends(client_ip)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]

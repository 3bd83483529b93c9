"""GET /dashboard: the figures for a signed-in reader, a sign-in form for anyone else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from erp.platform.api import ReadConnection
from erp.platform.auth import TokenVerifier, bearer_token
from erp.platform.errors import Forbidden
from erp.reporting.api.deps import FINANCE_READERS, SettingsDep, today
from erp.reporting.domain.dashboard import overview
from erp.reporting.web import page

router = APIRouter(tags=["dashboard"])
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    conn: ReadConnection,
    settings: SettingsDep,
    fragment: Annotated[
        bool, Query(description="Only the page body (for the page's script).")
    ] = False,
) -> HTMLResponse:
    """Stock, sales, P&L, low stock and reconciliation at a glance: an HTML page with inline
    SVG charts, for a browser. Without an `Authorization` header the page is a sign-in form
    that gets a token from the gateway and loads the figures with it; with a token, the
    figures, for the roles admin, accountant and viewer (403 otherwise, 401 for a bad
    token)."""
    if "authorization" not in request.headers and not fragment:
        html = page.document(page.login_form(), login_url=settings.reporting_login_url)
        return HTMLResponse(html, headers=NO_STORE)
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(bearer_token(request))  # 401 problem+json when bad
    if not principal.roles & set(FINANCE_READERS):
        raise Forbidden(f"the dashboard needs one of the roles: {', '.join(FINANCE_READERS)}")
    view = await overview(conn, today=today(), inventory_accounts=settings.inventory_accounts)
    inner = page.content(view, user=principal.username)
    html = inner if fragment else page.document(inner, login_url=settings.reporting_login_url)
    return HTMLResponse(html, headers=NO_STORE)

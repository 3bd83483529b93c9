"""GET /dashboard: the panels a signed-in reader's roles allow, a sign-in form for anyone else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from erp.platform.api import ReadConnection
from erp.platform.auth import TokenVerifier, bearer_token
from erp.platform.errors import Forbidden
from erp.reporting.api.deps import SettingsDep, today
from erp.reporting.config import ReportingSettings
from erp.reporting.domain.access import PANELS, panels_for
from erp.reporting.domain.dashboard import overview
from erp.reporting.web import page

router = APIRouter(tags=["dashboard"])
NO_STORE = {"Cache-Control": "no-store"}


def _endpoints(settings: ReportingSettings) -> page.Endpoints:
    return page.Endpoints(
        login=settings.reporting_login_url,
        refresh=settings.reporting_refresh_url,
        logout=settings.reporting_logout_url,
        reload_seconds=settings.reporting_dashboard_reload_seconds,
    )


def _html(body: str, *, nonce: str, endpoints: page.Endpoints) -> HTMLResponse:
    headers = {**NO_STORE, "Content-Security-Policy": page.policy(nonce, endpoints)}
    return HTMLResponse(body, headers=headers)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    conn: ReadConnection,
    settings: SettingsDep,
    fragment: Annotated[
        bool, Query(description="Only the page body (for the page's script).")
    ] = False,
) -> HTMLResponse:
    """Stock, sales, P&L, receivables, what falls due this week, unbilled receipts, low stock
    and reconciliation at a glance: an HTML page with inline SVG charts, for a browser, under
    its own Content-Security-Policy (a nonce per response for its inline script and style;
    fetches and the form to itself only). Without
    an `Authorization` header the page is a sign-in form that gets a token from the gateway,
    loads the figures with it and renews it before it expires. With a token, the panels its
    roles allow: admin and viewer all; accountant the finance panels and the stock value;
    warehouse the stock panels. 401 for a bad token; 403 only for a token with none of these
    roles."""
    endpoints = _endpoints(settings)
    nonce = page.new_nonce()
    if "authorization" not in request.headers and not fragment:
        html = page.document(page.login_form(endpoints.login), endpoints=endpoints, nonce=nonce)
        return _html(html, nonce=nonce, endpoints=endpoints)
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(bearer_token(request))  # 401 problem+json when bad
    shown = panels_for(principal.roles)
    if not shown:
        roles = sorted({role for allowed in PANELS.values() for role in allowed})
        raise Forbidden(f"the dashboard needs one of the roles: {', '.join(roles)}")
    view = await overview(
        conn, today=today(), inventory_accounts=settings.inventory_accounts, panels=shown
    )
    inner = page.content(view, user=principal.username)
    html = inner if fragment else page.document(inner, endpoints=endpoints, nonce=nonce)
    return _html(html, nonce=nonce, endpoints=endpoints)

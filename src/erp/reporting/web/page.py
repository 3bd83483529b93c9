"""The dashboard's HTML: one page, its style and script inline under a per-response CSP nonce
(no CDN, no inline event handlers).

Who may see it: a request with a valid `Authorization: Bearer` token gets the panels its roles
allow. Without one, the page is a sign-in form that posts to the gateway's token endpoint,
keeps the token in `sessionStorage` (gone when the tab closes) and fetches the figures with it
as a header (see `script`). No cookie is set, so no request is authorised by the browser on
its own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from erp.reporting.domain.dashboard import Overview
from erp.reporting.web import charts, panels
from erp.reporting.web.script import SCRIPT
from erp.reporting.web.style import STYLE


@dataclass(frozen=True)
class Endpoints:
    """Where the page signs in, renews and ends a session (the gateway's /auth routes); an
    empty refresh or logout URL means there is none."""

    login: str
    refresh: str = ""
    logout: str = ""
    reload_seconds: int = 60

    def origins(self) -> str:
        """Other origins the page talks to (absolute URLs), for its CSP."""
        found = set()
        for url in (self.login, self.refresh, self.logout):
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                found.add(f"{parts.scheme}://{parts.netloc}")
        return "".join(f" {o}" for o in sorted(found))


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def policy(nonce: str, endpoints: Endpoints) -> str:
    """The page's Content-Security-Policy: its own inline script and style (by nonce), its
    fetches and its form to itself (and the sign-in origin), nothing else."""
    extra = endpoints.origins()
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"img-src 'self' data:; connect-src 'self'{extra}; form-action 'self'{extra}; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def document(inner: str, *, endpoints: Endpoints, nonce: str) -> str:
    data = (
        f"data-login-url='{escape(endpoints.login)}' "
        f"data-refresh-url='{escape(endpoints.refresh)}' "
        f"data-logout-url='{escape(endpoints.logout)}' "
        f"data-reload-seconds='{endpoints.reload_seconds}'"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>erp-system · dashboard</title>"
        "<link rel='icon' href='data:,'>"
        f"<style nonce='{nonce}'>{STYLE}</style></head><body>"
        f"<div id='app' {data}>{inner}</div>"
        f"<template id='sign-in-template'>{login_form(endpoints.login)}</template>"
        f"<script nonce='{nonce}'>{SCRIPT}</script></body></html>"
    )


def login_form(login_url: str) -> str:
    # method and action matter only without the script: the password never goes in a URL.
    return (
        "<header><h1>erp-system dashboard</h1></header>"
        "<main><div class='card login'><h2>Sign in</h2>"
        f"<form id='login' method='post' action='{escape(login_url)}'>"
        "<label for='username'>User name</label>"
        "<input id='username' name='username' autocomplete='username' required>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit'>Sign in</button>"
        "<div id='login-error' class='error' role='alert'></div>"
        "</form></div></main>"
    )


def content(view: Overview, *, user: str) -> str:
    lag = view.position.get("lag_seconds")
    freshness = "no events yet" if lag is None else f"newest event {lag:,.0f} s ago"
    header = (
        "<header><h1>erp-system dashboard</h1><div class='meta'>"
        f"as of {view.today.isoformat()} · {escape(freshness)} · {escape(user)} "
        "<span id='session'></span>"
        "<button id='sign-out' type='button'>Sign out</button></div></header>"
    )
    notice = "<div id='notice' class='notice' role='status' hidden></div>"
    grid = "".join(_cards(view))
    return header + f"<main>{notice}<div class='grid'>{grid}</div></main>"


def _cards(view: Overview) -> list[str]:
    shown = view.panels
    cards = [_card("key-figures", "span-12", "Key figures", panels.kpis(view))]
    if "stock-by-warehouse" in shown:
        chart = charts.horizontal_bars(view.stock_by_warehouse, label="Stock value by warehouse")
        cards.append(_card("stock-value-by-warehouse", "span-5", "Stock value by warehouse", chart))
    if "sales" in shown:
        chart = charts.grouped_columns(
            view.months,
            [("Revenue", view.revenue), ("Margin", view.margin)],
            label="Sales and margin by month",
        )
        cards.append(
            _card("sales-and-margin-by-month", "span-7", "Sales and margin by month", chart)
        )
    if "profit-and-loss" in shown and view.profit_and_loss is not None:
        pnl = view.profit_and_loss.totals
        bridge = charts.bridge(pnl["income"], pnl["expense"], label="Profit and loss, year to date")
        cards.append(_card("profit-and-loss", "span-5", "Profit and loss, year to date", bridge))
    if "reconciliation" in shown and view.reconciliation is not None:
        body = panels.reconciliation(view.reconciliation)
        title = "Reconciliation: stock vs inventory account"
        cards.append(_card("reconciliation", "span-7", title, body))
    if "ar-aging" in shown and view.ar_aging is not None:
        body = panels.ar_aging(view.ar_aging)
        span = "span-6" if "stock-movements" in shown else "span-12"
        cards.append(_card("ar-aging", span, "Receivables by age", body))
    if "stock-movements" in shown and view.movements is not None:
        body = panels.movements(view.movements)
        span = "span-6" if "ar-aging" in shown else "span-7"
        cards.append(_card("stock-movements", span, "Stock movements, last 30 days", body))
    if "due-this-week" in shown and view.due is not None:
        span = "span-8" if "unbilled-receipts" in shown else "span-12"
        cards.append(_card("due-this-week", span, "Due this week", panels.due(view.due)))
    if "unbilled-receipts" in shown:
        body = panels.unbilled_receipts(view)
        span = "span-4" if "due-this-week" in shown else "span-12"
        cards.append(_card("unbilled-receipts", span, "Unbilled receipts", body))
    if "low-stock" in shown:
        cards.append(_card("low-stock", "span-12", "Low stock", panels.low_stock(view)))
    return cards


def _card(panel: str, span: str, title: str, body: str) -> str:
    return f"<section class='card {span}' id='{panel}'><h2>{escape(title)}</h2>{body}</section>"

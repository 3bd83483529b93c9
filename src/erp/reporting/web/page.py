"""The dashboard's HTML: one page, styles and a few lines of script inline (no CDN).

Who may see it: a request with a valid `Authorization: Bearer` token gets the figures. Without
one, the page is a sign-in form that posts to the gateway's token endpoint, keeps the token in
`sessionStorage` (gone when the tab closes) and fetches the figures with it as a header. No
cookie is set, so no request is authorised by the browser on its own.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from erp.reporting.domain.dashboard import Overview
from erp.reporting.web import charts

STYLE = """
:root{--ink:#1e272e;--muted:#6b7785;--line:#e6e9ee;--card:#fff;--bg:#f4f6f9;--ok:#20bf6b;
--warn:#f7b731;--bad:#eb3b5a;--accent:#3867d6}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;align-items:center;justify-content:space-between;padding:14px 28px;
background:#1e272e;color:#fff}header h1{font-size:18px;margin:0;font-weight:600}
header .meta{font-size:12px;color:#c8d0da}header button{margin-left:14px}
main{max-width:1280px;margin:0 auto;padding:22px 28px}
.grid{display:grid;grid-template-columns:repeat(12,1fr);gap:18px}
.card{background:var(--card);border-radius:10px;padding:16px 18px;
box-shadow:0 1px 2px rgba(30,39,46,.08),0 2px 8px rgba(30,39,46,.04)}
.card h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
margin:0 0 10px;font-weight:600}.span-4{grid-column:span 4}.span-5{grid-column:span 5}
.span-6{grid-column:span 6}.span-7{grid-column:span 7}.span-8{grid-column:span 8}
.span-12{grid-column:span 12}
.kpis{display:flex;gap:18px}.kpi{flex:1}.kpi .label{color:var(--muted);font-size:12px}
.kpi .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.value.neg{color:var(--bad)}.value.pos{color:var(--ok)}
svg.chart{width:100%;height:auto;display:block}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600}td.num,th.num{text-align:right}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;
font-weight:600;color:#fff}.pill.reconciled{background:var(--ok)}
.pill.lagging{background:var(--warn);color:#1e272e}.pill.mismatch{background:var(--bad)}
.muted{color:var(--muted)}.login{max-width:360px;margin:80px auto}
.login label{display:block;margin:10px 0 4px;font-size:13px;color:var(--muted)}
.login input{width:100%;padding:8px 10px;border:1px solid var(--line);border-radius:6px;
font:inherit}button{background:var(--accent);color:#fff;border:0;border-radius:6px;
padding:8px 14px;font:inherit;cursor:pointer}.login button{margin-top:16px;width:100%}
.error{color:var(--bad);min-height:20px;margin-top:10px}
@media (max-width:900px){.span-4,.span-5,.span-6,.span-7,.span-8{grid-column:span 12}}
"""

SCRIPT = """
(function(){
  const KEY = "erp.reporting.token";
  const app = document.getElementById("app");
  const loginUrl = app.dataset.loginUrl;
  function showError(text){
    const e = document.getElementById("login-error"); if (e) e.textContent = text;
  }
  async function load(token){
    const r = await fetch(location.pathname + "?fragment=1",
      {headers: {"Authorization": "Bearer " + token}});
    if (!r.ok){ sessionStorage.removeItem(KEY);
      showError(r.status === 403 ? "Your role may not see the dashboard."
                                 : "Please sign in again.");
      return; }
    app.innerHTML = await r.text(); bindSignOut();
  }
  function bindSignOut(){
    const b = document.getElementById("sign-out");
    if (b) b.addEventListener("click", function(){
      sessionStorage.removeItem(KEY); location.reload();
    });
  }
  const form = document.getElementById("login");
  if (form){
    form.addEventListener("submit", async function(ev){
      ev.preventDefault(); showError("");
      try {
        const r = await fetch(loginUrl,
          {method: "POST", body: new URLSearchParams(new FormData(form))});
        if (!r.ok){ showError("Wrong user name or password."); return; }
        const body = await r.json(); sessionStorage.setItem(KEY, body.access_token);
        await load(body.access_token);
      } catch (e) { showError("The sign-in service cannot be reached."); }
    });
    const saved = sessionStorage.getItem(KEY);
    if (saved) load(saved);
  }
  bindSignOut();
})();
"""


def _num(value: Decimal) -> str:
    return charts.money(value)


def document(inner: str, *, login_url: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>erp-system · dashboard</title>"
        "<link rel='icon' href='data:,'>"
        f"<style>{STYLE}</style></head><body>"
        f"<div id='app' data-login-url='{escape(login_url)}'>{inner}</div>"
        f"<script>{SCRIPT}</script></body></html>"
    )


def login_form() -> str:
    return (
        "<header><h1>erp-system dashboard</h1></header>"
        "<main><div class='card login'><h2>Sign in</h2>"
        "<form id='login'><label for='username'>User name</label>"
        "<input id='username' name='username' autocomplete='username' required>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit'>Sign in</button><div id='login-error' class='error'></div>"
        "</form></div></main>"
    )


def content(view: Overview, *, user: str) -> str:
    pnl = view.profit_and_loss.totals
    recon = view.reconciliation
    lag = view.position.get("lag_seconds")
    freshness = "no events yet" if lag is None else f"newest event {lag:,.0f} s ago"
    header = (
        "<header><h1>erp-system dashboard</h1><div class='meta'>"
        f"as of {view.today.isoformat()} · {escape(freshness)} · {escape(user)}"
        "<button id='sign-out' type='button'>Sign out</button></div></header>"
    )
    profit = pnl["net_profit"]
    kpis = (
        "<div class='kpis'>"
        + _kpi("Stock value", view.stock_total)
        + _kpi("Income YTD", pnl["income"])
        + _kpi("Expenses YTD", pnl["expense"])
        + _kpi("Net profit YTD", profit, signed=True)
        + "</div>"
    )
    stock_chart = charts.horizontal_bars(view.stock_by_warehouse, label="Stock value by warehouse")
    sales_chart = charts.grouped_columns(
        view.months,
        [("Revenue", view.revenue), ("Margin", view.margin)],
        label="Sales and margin by month",
    )
    bridge = charts.bridge(pnl["income"], pnl["expense"], label="Profit and loss, year to date")
    cards = [
        _card("span-12", "Key figures", kpis),
        _card("span-5", "Stock value by warehouse", stock_chart),
        _card("span-7", "Sales and margin by month", sales_chart),
        _card("span-5", "Profit and loss, year to date", bridge),
        _card(
            "span-7", "Reconciliation: stock vs inventory account", _recon(recon.rows, recon.totals)
        ),
        _card("span-12", "Low stock", _low(view)),
    ]
    return header + "<main><div class='grid'>" + "".join(cards) + "</div></main>"


def _kpi(label: str, value: Decimal, *, signed: bool = False) -> str:
    tone = (" neg" if value < 0 else " pos") if signed else ""
    return (
        f"<div class='kpi'><div class='label'>{escape(label)}</div>"
        f"<div class='value{tone}'>{_num(value)}</div></div>"
    )


def _card(span: str, title: str, body: str) -> str:
    slug = title.lower().split(":")[0].replace(" ", "-")
    return f"<section class='card {span}' id='{slug}'><h2>{escape(title)}</h2>{body}</section>"


def _recon(rows: list[dict[str, object]], totals: dict[str, object]) -> str:
    status = str(totals["status"])
    head = (
        f"<p><span class='pill {status}'>{escape(status)}</span> "
        f"<span class='muted'>ledger {_num(totals['ledger_balance'])} · "  # type: ignore[arg-type]
        f"stock {_num(totals['stock_value'])} · "  # type: ignore[arg-type]
        f"difference {_num(totals['difference'])}</span></p>"  # type: ignore[arg-type]
    )
    body = "".join(
        f"<tr><td>{escape(str(r['warehouse']))}</td><td class='num'>{_num(r['stock_value'])}</td>"  # type: ignore[arg-type]
        f"<td class='num'>{_num(r['ledger_share'])}</td>"  # type: ignore[arg-type]
        f"<td class='num'>{_num(r['difference'])}</td>"  # type: ignore[arg-type]
        f"<td class='num'>{r['pending_movements']}</td></tr>"
        for r in rows
    )
    return (
        head + "<table><thead><tr><th>Warehouse</th><th class='num'>Stock value</th>"
        "<th class='num'>In ledger</th><th class='num'>Difference</th>"
        f"<th class='num'>Pending</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _low(view: Overview) -> str:
    if not view.low_items:
        return "<p class='muted'>Every item is above its reorder point.</p>"
    rows = "".join(
        f"<tr><td>{escape(i.sku)}</td><td>{escape(i.warehouse)}</td>"
        f"<td class='num'>{i.on_hand.normalize():f}</td>"
        f"<td class='num'>{i.reorder_point.normalize():f}</td>"
        f"<td>{charts.level_bar(i.on_hand, i.reorder_point)}</td></tr>"
        for i in view.low_items[:20]
    )
    return (
        "<table><thead><tr><th>Item</th><th>Warehouse</th><th class='num'>On hand</th>"
        "<th class='num'>Reorder point</th><th>Level</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )

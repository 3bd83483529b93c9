"""One function per dashboard panel: the HTML of a card's body."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from erp.reporting.domain.dashboard import Overview
from erp.reporting.domain.report import Report
from erp.reporting.web import charts

NUM = " class='num'"


def num(value: Any) -> str:
    return charts.money(Decimal(value))


def qty(value: Decimal, uom: str | None) -> str:
    text = f"{value.normalize():f}"
    return f"{text} {escape(uom)}" if uom else text


def kpi(label: str, value: Decimal, *, signed: bool = False) -> str:
    tone = (" neg" if value < 0 else " pos") if signed else ""
    return (
        f"<div class='kpi'><div class='label'>{escape(label)}</div>"
        f"<div class='value{tone}'>{num(value)}</div></div>"
    )


def kpis(view: Overview) -> str:
    parts = []
    if "stock-value" in view.panels:
        parts.append(kpi("Stock value", view.stock_total))
    if "finance-kpis" in view.panels and view.profit_and_loss is not None:
        pnl = view.profit_and_loss.totals
        parts += [
            kpi("Income YTD", pnl["income"]),
            kpi("Expenses YTD", pnl["expense"]),
            kpi("Net profit YTD", pnl["net_profit"], signed=True),
        ]
    return "<div class='kpis'>" + "".join(parts) + "</div>"


def table(
    head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], *, totals: int = 0
) -> str:
    """`head`: (title, numeric); the last `totals` rows are set apart as totals."""
    th = "".join(f"<th{NUM if n else ''}>{escape(t)}</th>" for t, n in head)
    body = []
    for i, cells in enumerate(rows):
        tds = "".join(f"<td{NUM if head[k][1] else ''}>{cell}</td>" for k, cell in enumerate(cells))
        total = " class='total'" if i >= len(rows) - totals else ""
        body.append(f"<tr{total}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def reconciliation(report: Report) -> str:
    totals = report.totals
    status = str(totals["status"])
    head = (
        f"<p><span class='pill {escape(status)}'>{escape(status)}</span> "
        f"<span class='muted'>ledger {num(totals['ledger_balance'])} · "
        f"stock {num(totals['stock_value'])} · difference {num(totals['difference'])}</span></p>"
    )
    rows = [
        [
            escape(str(r["warehouse"])),
            num(r["stock_value"]),
            num(r["ledger_share"]),
            num(r["difference"]),
            str(r["pending_movements"]),
        ]
        for r in (*report.rows, *report.total_rows)
    ]
    columns = [("Warehouse", False), ("Stock value", True), ("In ledger", True)]
    columns += [("Difference", True), ("Pending", True)]
    return head + table(columns, rows, totals=len(report.total_rows))


def ar_aging(report: Report) -> str:
    if not report.rows:
        return "<p class='muted'>Nothing is owed.</p>"
    rows = [
        [
            escape(str(r["customer"])),
            escape(str(r["currency"])),
            *(num(r[b]) for b in ("current", "1_30", "31_60", "61_90", "over_90", "total")),
        ]
        for r in (*report.rows, *report.total_rows)
    ]
    # Days past the due date.
    columns = [("Customer", False), ("Currency", False), ("Not due", True), ("1-30", True)]
    columns += [("31-60", True), ("61-90", True), ("Over 90", True), ("Open", True)]
    return table(columns, rows, totals=len(report.total_rows))


def movements(report: Report) -> str:
    if not report.rows:
        return "<p class='muted'>No movements in the last 30 days.</p>"
    # Values only: the quantities of different units do not add up.
    folded: dict[str, list[Any]] = {}
    for r in report.rows:
        acc = folded.setdefault(r["type"], [Decimal(0), Decimal(0), 0])
        acc[0] += r["value_in"]
        acc[1] += r["value_out"]
        acc[2] += r["lines"]
    rows = [[escape(t), num(a[0]), num(a[1]), str(a[2])] for t, a in sorted(folded.items())]
    totals = report.totals
    rows.append(["Total", num(totals["value_in"]), num(totals["value_out"]), str(totals["lines"])])
    columns = [("Type", False), ("Value in", True), ("Value out", True), ("Lines", True)]
    return table(columns, rows, totals=1)


def low_stock(view: Overview) -> str:
    if not view.low_items:
        return "<p class='muted'>Every item is at or above its reorder point.</p>"
    rows = [
        [
            escape(i.sku),
            escape(i.name or ""),
            escape(i.warehouse) if i.warehouse else "<span class='muted'>none held</span>",
            qty(i.on_hand, i.uom),
            qty(i.reorder_point, i.uom),
            charts.level_bar(i.on_hand, i.reorder_point),
        ]
        for i in view.low_items[:20]
    ]
    columns = [("Item", False), ("Name", False), ("Warehouse", False), ("On hand", True)]
    columns += [("Reorder point", True), ("Level", False)]
    more = len(view.low_items) - 20
    tail = f"<p class='muted'>and {more} more (see /reports/low-stock)</p>" if more > 0 else ""
    return table(columns, rows) + tail


def due(report: Report, *, limit: int = 15) -> str:
    """The due list: a line per currency (receivable, payable, the overdue part of each),
    then the documents by due day, overdue ones marked."""
    if not report.rows:
        return "<p class='muted'>Nothing falls due in the next 7 days and nothing is overdue.</p>"
    lines = []
    for currency, sums in report.totals["by_currency"].items():
        parts = []
        for kind, label in (("receivable", "to collect"), ("payable", "to pay")):
            if not sums[kind]:
                continue
            text = f"{label} {num(sums[kind])}"
            if sums[f"overdue_{kind}"]:
                text += f" <span class='neg'>({num(sums[f'overdue_{kind}'])} overdue)</span>"
            parts.append(text)
        lines.append(f"<b>{escape(str(currency))}</b> " + " · ".join(parts))
    head = "<p class='muted'>" + "<br>".join(lines) + "</p>"
    rows = []
    for r in report.rows[:limit]:
        flag = " <span class='pill overdue'>overdue</span>" if r["overdue"] else ""
        document = ("Bill " if r["kind"] == "payable" else "Invoice ") + str(r["document_id"])
        if r["number"]:
            document += f" · {r['number']}"
        rows.append(
            [
                f"<span class='nowrap'>{escape(str(r['due_day']))}{flag}</span>",
                "<span class='nowrap'>"
                + ("To pay" if r["kind"] == "payable" else "To collect")
                + "</span>",
                escape(str(r["party"])),
                escape(document),
                escape(str(r["currency"])),
                num(r["open_amount"]),
            ]
        )
    columns = [("Due", False), ("Kind", False), ("Party", False), ("Document", False)]
    columns += [("Currency", False), ("Open", True)]
    more = len(report.rows) - limit
    tail = f"<p class='muted'>and {more} more (see /reports/due)</p>" if more > 0 else ""
    return head + table(columns, rows) + tail


def unbilled_receipts(view: Overview) -> str:
    """The balance of goods received not invoiced: received from suppliers, not billed yet."""
    return (
        f"<div class='kpi'><div class='label'>Goods received not invoiced</div>"
        f"<div class='value'>{num(view.unbilled_receipts)}</div></div>"
        "<p class='muted'>Account 2150 in the base currency: goods received whose supplier's"
        " bill has not been entered yet.</p>"
    )

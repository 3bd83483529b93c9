"""A random workload of inventory and finance events, and the figures it should give,
computed here straight from the events (no reporting code involved)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hypothesis import strategies as st

from erp.platform.events.envelope import Event
from tests.reporting import builders as b

START = dt.date(2024, 1, 1)
SPAN_DAYS = 540
SKUS = ("A", "B", "C")
UNITS = {"A": "pcs", "B": "kg", "C": "pcs"}
HOUSES = ("W1", "W2")
CUSTOMERS = ("acme", "globex")
ZERO = Decimal(0)

amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
quantities = st.integers(min_value=1, max_value=50).map(Decimal)
days = st.integers(min_value=0, max_value=SPAN_DAYS).map(lambda n: START + dt.timedelta(days=n))


@dataclass
class Workload:
    events: list[Event] = field(default_factory=list)
    days: set[dt.date] = field(default_factory=set)


@st.composite
def workloads(draw: st.DrawFn) -> Workload:
    w = Workload()
    entry_ids = iter(range(1, 10_000))
    for _ in range(draw(st.integers(0, 6))):
        day = draw(days)
        debit, credit = draw(st.sampled_from(list(b.CHART))), draw(st.sampled_from(list(b.CHART)))
        x, y = draw(amounts), draw(amounts)
        other = draw(st.sampled_from(list(b.CHART)))
        lines = [(debit, x, ZERO), (other, y, ZERO), (credit, ZERO, x + y)]
        w.events.append(b.journal(next(entry_ids), day, lines))
        w.days.add(day)
    for sku in SKUS:
        if draw(st.booleans()):  # described (and maybe described again, older, out of order)
            w.events.append(b.item_changed(sku, f"item {sku}", UNITS[sku], Decimal(3), _T0))
            if draw(st.booleans()):
                older = _T0 - dt.timedelta(days=1)
                w.events.append(b.item_changed(sku, "stale", "box", Decimal(9), older))
    invoices = []
    for invoice_id in range(1, draw(st.integers(0, 3)) + 1):
        day = draw(days)
        customer = draw(st.sampled_from(CUSTOMERS))
        currency, rate = draw(st.sampled_from([("USD", Decimal(1)), ("EUR", Decimal("1.0833"))]))
        lines = [
            (draw(st.sampled_from(SKUS)), draw(quantities), draw(amounts))
            for _ in range(draw(st.integers(1, 2)))
        ]
        total = sum((net for _, _, net in lines), ZERO)
        fate = draw(st.sampled_from(["issued", "reissued", "asynchronous", "held", "refused"]))
        w.days.add(day)
        if fate == "refused":  # pending, then on hold: never issued, in no figure
            w.events += [
                b.invoice_status(
                    invoice_id, customer, day, "pending", total, b.moment(day, 8), previous="draft"
                ),
                b.issue_requested(invoice_id, customer, day, lines),
                b.invoice_status(
                    invoice_id,
                    customer,
                    day,
                    "on_hold",
                    total,
                    b.moment(day, 9),
                    previous="pending",
                ),
            ]
            continue
        if fate == "asynchronous":  # pending until inventory issued the goods
            w.events += [
                b.invoice_status(
                    invoice_id, customer, day, "pending", total, b.moment(day, 8), previous="draft"
                ),
                b.issue_requested(invoice_id, customer, day, lines),
                b.goods_issued(invoice_id, day),
            ]
        issued = b.invoice_issued(invoice_id, customer, day, lines, currency=currency, rate=rate)
        w.events.append(issued)
        if fate == "reissued":  # issued again after a hold: the same lines, a higher number
            w.events.append(
                b.invoice_issued(
                    invoice_id, customer, day, lines, currency=currency, rate=rate, issue_no=2
                )
            )
        if fate == "held":  # as before issues waited for the goods: issued, then held
            w.events.append(
                b.invoice_status(invoice_id, customer, day, "on_hold", total, b.moment(day, 10))
            )
            continue
        invoices.append((invoice_id, customer, day, total, currency))
        if draw(st.integers(0, 3)) == 0:
            voided = day + dt.timedelta(days=draw(st.integers(0, 60)))
            w.events.append(
                b.invoice_status(
                    invoice_id, customer, day, "void", total, b.moment(voided), currency=currency
                )
            )
            w.days.add(voided)
        for k in range(draw(st.integers(0, 2))):
            paid_on = day + dt.timedelta(days=draw(st.integers(0, 120)))
            part = (total / 3).quantize(Decimal("0.01"))
            w.events.append(b.payment(invoice_id * 10 + k, invoice_id, paid_on, part))
            w.days.add(paid_on)
            if draw(st.integers(0, 2)) == 0:  # the payment bounced some days later
                undone = paid_on + dt.timedelta(days=draw(st.integers(0, 30)))
                w.events.append(b.payment_reversed(invoice_id * 10 + k, invoice_id, undone, part))
                w.days.add(undone)
    for movement_id in range(1, draw(st.integers(0, 8)) + 1):
        day = draw(days)
        posted_at = b.moment(day, draw(st.integers(0, 23)))
        # Newer movements carry their business day, sometimes earlier than the posting time
        # (back-dated), and their unit; older ones carry neither.
        dated = draw(st.booleans())
        if dated:
            day -= dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 45])))
        kind = draw(st.sampled_from(["receipt", "issue", "adjustment", "transfer"]))
        sku = draw(st.sampled_from(SKUS))
        qty, value = draw(quantities), draw(amounts)
        reference = None
        if kind == "transfer":
            moved = [(sku, "W1", -qty, -value), (sku, "W2", qty, value)]
        else:
            sign = -1 if kind == "issue" or (kind == "adjustment" and draw(st.booleans())) else 1
            moved = [(sku, draw(st.sampled_from(HOUSES)), sign * qty, sign * value)]
            if kind == "issue" and invoices and draw(st.booleans()):
                reference = f"invoice:{draw(st.sampled_from(invoices))[0]}"
        w.events.append(
            b.stock_moved(
                movement_id,
                kind,
                moved[0][1],
                posted_at,
                moved,
                reference=reference,
                posting_date=day if dated else None,
                uom=UNITS if dated else None,
            )
        )
        w.days.add(day)
        net = sum((ln[3] for ln in moved), ZERO)
        if net != 0 and draw(st.integers(0, 3)) > 0:  # finance posted it (maybe a day later)
            booked = day + dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 1])))
            counter = "2150" if net > 0 else "5000"
            posting = (
                [("1300", net, ZERO), (counter, ZERO, net)]
                if net > 0
                else [
                    ("1300", ZERO, -net),
                    (counter, -net, ZERO),
                ]
            )
            w.events.append(
                b.journal(
                    next(entry_ids),
                    booked,
                    posting,
                    source="stock",
                    source_ref=f"movement:{movement_id}",
                )
            )
            w.days.add(booked)
    if draw(st.booleans()):
        w.events.append(b.low_stock("A", "W1", Decimal(5), Decimal(2), START))
    return w


_T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def month(day: dt.date) -> str:
    return day.replace(day=1).isoformat()


class Expected:
    """Figures straight from the events."""

    def __init__(self, events: list[Event]) -> None:
        self.journal = [e.data for e in events if e.type == "finance.journal-posted"]
        self.moves = [e.data for e in events if e.type == "inventory.stock-moved"]
        self.issues: dict[int, dict[str, Any]] = {}
        for e in events:
            if e.type == "finance.invoice-issued":
                known = self.issues.get(e.data["invoice_id"])
                if known is None or known["issue_no"] < e.data["issue_no"]:
                    self.issues[e.data["invoice_id"]] = e.data
        held = {
            e.data["invoice_id"]
            for e in events
            if e.type == "finance.invoice-status-changed" and e.data["status"] == "on_hold"
        }
        for invoice_id in held:  # the workload never issues an invoice after its hold
            self.issues.pop(invoice_id, None)
        self.voided = {
            e.data["invoice_id"]: dt.datetime.fromisoformat(e.data["changed_at"]).date()
            for e in events
            if e.type == "finance.invoice-status-changed" and e.data["status"] == "void"
        }
        self.payments = [e.data for e in events if e.type == "finance.payment-received"]
        self.reversals = [e.data for e in events if e.type == "finance.payment-reversed"]

    def trial_balance(self, as_of: dt.date) -> dict[str, tuple[Decimal, Decimal]]:
        sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for entry in self.journal:
            if dt.date.fromisoformat(entry["date"]) <= as_of:
                for ln in entry["lines"]:
                    sums[ln["account"]][0] += Decimal(ln["debit"])
                    sums[ln["account"]][1] += Decimal(ln["credit"])
        return {a: (d, c) for a, (d, c) in sums.items() if d or c}

    def profit(self, start: dt.date, end: dt.date) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.journal:
            if start <= dt.date.fromisoformat(entry["date"]) <= end:
                for ln in entry["lines"]:
                    net = Decimal(ln["debit"]) - Decimal(ln["credit"])
                    if ln["account_type"] == "income":
                        out[ln["account"]] -= net
                    elif ln["account_type"] == "expense":
                        out[ln["account"]] += net
        return {a: v for a, v in out.items() if v}

    def stock(self, as_of: dt.date) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
        sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for move in self.moves:
            if _posted_on(move) <= as_of:
                for ln in move["lines"]:
                    sums[(ln["sku"], ln["warehouse"])][0] += Decimal(ln["quantity"])
                    sums[(ln["sku"], ln["warehouse"])][1] += Decimal(ln["value"])
        return {k: (q, v) for k, (q, v) in sums.items() if q or v}

    def movements(self, start: dt.date, end: dt.date) -> dict[tuple[str, ...], Decimal]:
        """(month, warehouse, type) → net value."""
        out: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
        for move in self.moves:
            day = _posted_on(move)
            if start <= day <= end:
                for ln in move["lines"]:
                    out[(month(day), ln["warehouse"], move["type"])] += Decimal(ln["value"])
        return dict(out)

    def sales(self, start: dt.date, end: dt.date) -> dict[tuple[str, ...], tuple[Decimal, ...]]:
        """(month, customer, item) → (quantity, revenue, cogs)."""
        cogs: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for move in self.moves:
            ref = move.get("reference") or ""
            if ref.startswith("invoice:"):
                for ln in move["lines"]:
                    cogs[(int(ref[8:]), ln["sku"])] -= Decimal(ln["value"])
        out: dict[tuple[str, ...], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        for invoice_id, inv in self.issues.items():
            day = dt.date.fromisoformat(inv["date"])
            if invoice_id in self.voided or not start <= day <= end:
                continue
            rate = Decimal(inv["rate"])
            skus = set()
            for ln in inv["lines"]:
                key = (month(day), inv["customer"], ln["sku"])
                out[key][0] += Decimal(ln["quantity"])
                out[key][1] += (Decimal(ln["net"]) * rate).quantize(
                    Decimal("0.01"), ROUND_HALF_EVEN
                )
                skus.add(ln["sku"])
            for sku in skus:
                out[(month(day), inv["customer"], sku)][2] += cogs.get((invoice_id, sku), ZERO)
        return {k: tuple(v) for k, v in out.items()}

    def aging(self, as_of: dt.date) -> dict[tuple[str, str], Decimal]:
        """(customer, currency) → open total."""
        out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for invoice_id, inv in self.issues.items():
            day = dt.date.fromisoformat(inv["date"])
            voided = self.voided.get(invoice_id)
            if day > as_of or (voided is not None and voided <= as_of):
                continue
            paid = sum(
                (
                    Decimal(p["amount"])
                    for p in self.payments
                    if p["invoice_id"] == invoice_id and dt.date.fromisoformat(p["date"]) <= as_of
                ),
                ZERO,
            ) - sum(
                (
                    Decimal(r["amount"])
                    for r in self.reversals
                    if r["invoice_id"] == invoice_id and dt.date.fromisoformat(r["date"]) <= as_of
                ),
                ZERO,
            )
            if Decimal(inv["total"]) - paid:
                out[(inv["customer"], inv["currency"])] += Decimal(inv["total"]) - paid
        return {k: v for k, v in out.items() if v}

    def reconciliation(self, as_of: dt.date) -> dict[str, Decimal]:
        stock_total = sum((v for _, v in self.stock(as_of).values()), ZERO)
        ledger = sum(
            (
                Decimal(ln["debit"]) - Decimal(ln["credit"])
                for e in self.journal
                if dt.date.fromisoformat(e["date"]) <= as_of
                for ln in e["lines"]
                if ln["account"] == "1300"
            ),
            ZERO,
        )
        lag = ZERO
        for move in self.moves:
            net = sum((Decimal(ln["value"]) for ln in move["lines"]), ZERO)
            if net and _posted_on(move) <= as_of:
                lag += net
        for e in self.journal:
            if e["source"] == "stock" and dt.date.fromisoformat(e["date"]) <= as_of:
                lag -= sum(
                    (
                        Decimal(ln["debit"]) - Decimal(ln["credit"])
                        for ln in e["lines"]
                        if ln["account_type"] == "asset"
                    ),
                    ZERO,
                )
        return {
            "stock_value": stock_total,
            "ledger_balance": ledger,
            "difference": stock_total - ledger,
            "explained_by_lag": lag,
        }


def _posted_on(move: dict[str, Any]) -> dt.date:
    """The movement's business day: its posting date, else the UTC day it was posted."""
    if move.get("posting_date"):
        return dt.date.fromisoformat(move["posting_date"])
    return _day(move["posted_at"])


def _day(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC).date()

"""Trial balance, profit and loss, balance sheet: sums of per-account buckets as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.accounts import account_name
from erp.reporting.domain.periods import as_of_ranges
from erp.reporting.domain.report import Report
from erp.reporting.domain.totals import total_row
from erp.reporting.models import closing_lines, ledger_accounts, ledger_balances

ZERO = Decimal(0)
DEBIT_NORMAL = frozenset({"asset", "expense"})


@dataclass(frozen=True)
class Balance:
    account: str
    type: str
    debit: Decimal
    credit: Decimal

    @property
    def normal(self) -> Decimal:
        """Balance on the account's normal side."""
        net = self.debit - self.credit
        return net if self.type in DEBIT_NORMAL else -net


async def balances_as_of(conn: AsyncConnection, as_of: dt.date) -> dict[str, Balance]:
    """Per account: debit and credit totals of every line dated up to `as_of`."""
    lb = ledger_balances
    parts = [
        select(lb.c.account, lb.c.debit, lb.c.credit).where(bounds)
        for bounds in as_of_ranges(lb, as_of)
    ]
    buckets = union_all(*parts).subquery()
    statement = (
        select(
            buckets.c.account,
            ledger_accounts.c.type,
            func.sum(buckets.c.debit).label("debit"),
            func.sum(buckets.c.credit).label("credit"),
        )
        .join(ledger_accounts, ledger_accounts.c.code == buckets.c.account)
        .group_by(buckets.c.account, ledger_accounts.c.type)
    )
    # SUM over a TypeDecorator column keeps its type, so the dialect's conversion applies.
    rows = (await conn.execute(statement)).all()
    return {r.account: Balance(r.account, r.type, _dec(r.debit), _dec(r.credit)) for r in rows}


async def closing_between(
    conn: AsyncConnection, start: dt.date, end: dt.date
) -> dict[str, Balance]:
    """Per account: debit and credit totals of the year-end closing lines dated from `start`
    to `end`."""
    cl = closing_lines.c
    statement = (
        select(
            cl.account,
            ledger_accounts.c.type,
            func.sum(cl.debit).label("debit"),
            func.sum(cl.credit).label("credit"),
        )
        .join(ledger_accounts, ledger_accounts.c.code == cl.account)
        .where(cl.day >= start, cl.day <= end)
        .group_by(cl.account, ledger_accounts.c.type)
    )
    rows = (await conn.execute(statement)).all()
    return {r.account: Balance(r.account, r.type, _dec(r.debit), _dec(r.credit)) for r in rows}


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def trial_balance(balances: dict[str, Balance], *, as_of: dt.date) -> Report:
    rows = []
    total_debit = total_credit = ZERO
    for code in sorted(balances):
        b = balances[code]
        net = b.debit - b.credit
        if b.debit == 0 and b.credit == 0:
            continue
        debit, credit = (net, ZERO) if net >= 0 else (ZERO, -net)
        total_debit += debit
        total_credit += credit
        rows.append(
            {
                "account": code,
                "name": account_name(code),
                "type": b.type,
                "debit_total": b.debit,
                "credit_total": b.credit,
                "debit": debit,
                "credit": credit,
            }
        )
    return Report(
        name="trial-balance",
        params={"as_of": as_of.isoformat()},
        columns=("account", "name", "type", "debit_total", "credit_total", "debit", "credit"),
        rows=rows,
        totals={
            "debit": total_debit,
            "credit": total_credit,
            "balanced": total_debit == total_credit,
        },
        total_rows=[
            total_row(
                rows,
                label=("account", "Total"),
                amounts=("debit_total", "credit_total", "debit", "credit"),
            )
        ],
    )


def profit_and_loss(
    before: dict[str, Balance],
    until: dict[str, Balance],
    *,
    start: dt.date,
    end: dt.date,
    closing: dict[str, Balance] | None = None,
) -> Report:
    """`before`: balances as of the day before `start`; `until`: as of `end`; `closing`: the
    year-end closing lines between them, left out (they move the result to equity, they are
    not income or expense of the year)."""
    rows = []
    income = expense = ZERO
    for code in sorted(until):
        b = until[code]
        if b.type not in ("income", "expense"):
            continue
        prior, closed = before.get(code), (closing or {}).get(code)
        amount = b.normal - (prior.normal if prior else ZERO) - (closed.normal if closed else ZERO)
        if amount == 0:
            continue
        if b.type == "income":
            income += amount
        else:
            expense += amount
        rows.append({"account": code, "name": account_name(code), "type": b.type, "amount": amount})
    return Report(
        name="profit-and-loss",
        params={"from": start.isoformat(), "to": end.isoformat()},
        columns=("account", "name", "type", "amount"),
        rows=rows,
        totals={"income": income, "expense": expense, "net_profit": income - expense},
        total_rows=[
            {"account": "Total income", "type": "income", "amount": income},
            {"account": "Total expenses", "type": "expense", "amount": expense},
            {"account": "Net profit", "amount": income - expense},
        ],
    )


def balance_sheet(balances: dict[str, Balance], *, as_of: dt.date) -> Report:
    rows = []
    sums = dict.fromkeys(("asset", "liability", "equity", "income", "expense"), ZERO)
    for code in sorted(balances):
        b = balances[code]
        sums[b.type] += b.normal
        if b.type in ("asset", "liability", "equity") and (b.debit or b.credit):
            rows.append(
                {"section": b.type, "account": code, "name": account_name(code), "amount": b.normal}
            )
    # Income and expense not yet closed into equity: the profit of the open period(s).
    profit = sums["income"] - sums["expense"]
    rows.append(
        {
            "section": "equity",
            "account": "current-period-profit",
            "name": "Profit of the open periods",
            "amount": profit,
        }
    )
    equity = sums["equity"] + profit
    return Report(
        name="balance-sheet",
        params={"as_of": as_of.isoformat()},
        columns=("section", "account", "name", "amount"),
        rows=rows,
        total_rows=[
            {"section": "asset", "account": "Total assets", "amount": sums["asset"]},
            {"section": "liability", "account": "Total liabilities", "amount": sums["liability"]},
            {"section": "equity", "account": "Total equity", "amount": equity},
            {"account": "Total liabilities and equity", "amount": sums["liability"] + equity},
        ],
        totals={
            "assets": sums["asset"],
            "liabilities": sums["liability"],
            "equity": equity,
            "current_period_profit": profit,
            "liabilities_and_equity": sums["liability"] + equity,
            "balanced": sums["asset"] == sums["liability"] + equity,
        },
    )

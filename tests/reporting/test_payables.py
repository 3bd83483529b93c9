"""Payables from finance's bill and supplier-payment events: the AP aging counts days past each
bill's due date, payments reduce it from their date, a redelivery changes nothing and a rebuild
gives the same figures; the due list shows what falls due in a window and what is overdue."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import LINES, replay, report
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def bills() -> list[Any]:
    """acme: 1 000.00 net 30 (300.50 paid on day 40), 250.25 net 60; globex: 99.99 EUR net 10,
    paid in full on day 5; initech: 70.00 dated day 20 (not owed before)."""
    return [
        b.bill_posted(1, "acme", DAY, days(30), Decimal("1000.00"), number="A-17"),
        b.bill_posted(2, "acme", DAY, days(60), Decimal("250.25")),
        b.bill_posted(3, "globex", DAY, days(10), Decimal("99.99"), currency="EUR"),
        b.bill_posted(4, "initech", days(20), days(50), Decimal("70.00")),
        b.supplier_paid(1, 1, "acme", days(40), Decimal("300.50"), open_amount=Decimal("699.50")),
        b.supplier_paid(2, 3, "globex", days(5), Decimal("99.99"), currency="EUR"),
    ]


async def aging(client: ServiceClient, as_of: dt.date) -> dict[tuple[str, str], dict[str, Any]]:
    body = await report(client, "/reports/ap-aging", as_of=as_of.isoformat())
    assert body["columns"] == ["supplier", "currency", *BUCKETS, "total"]
    found = {}
    for r in (*body["rows"], *body["total_rows"]):
        amounts = {n: Decimal(r[n]) for n in (*BUCKETS, "total") if Decimal(r[n])}
        found[(r["supplier"], r["currency"])] = amounts
    return found


async def figures(client: ServiceClient) -> list[Any]:
    """Every figure the payables reports give on a few days."""
    found: list[Any] = []
    for n in (0, 4, 15, 35, 45, 100):
        found.append(await aging(client, days(n)))
    found.append(await report(client, "/reports/due", as_of=days(29).isoformat()))
    for item in found[-1:]:
        del item["position"]
    return found


async def test_ap_aging_counts_days_past_each_bills_due_date(reporting: ServiceClient) -> None:
    await feed(reporting, bills())
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert await aging(reporting, days(4)) == {
            ("acme", "USD"): {"current": Decimal("1250.25"), "total": Decimal("1250.25")},
            ("globex", "EUR"): {"current": Decimal("99.99"), "total": Decimal("99.99")},
            ("Total", "EUR"): {"current": Decimal("99.99"), "total": Decimal("99.99")},
            ("Total", "USD"): {"current": Decimal("1250.25"), "total": Decimal("1250.25")},
        }
        # Day 35: bill 1 five days past due, globex paid (day 5), initech's bill not yet due.
        assert await aging(reporting, days(35)) == {
            ("acme", "USD"): {
                "current": Decimal("250.25"),
                "1_30": Decimal("1000.00"),
                "total": Decimal("1250.25"),
            },
            ("initech", "USD"): {"current": Decimal("70.00"), "total": Decimal("70.00")},
            ("Total", "USD"): {
                "current": Decimal("320.25"),
                "1_30": Decimal("1000.00"),
                "total": Decimal("1320.25"),
            },
        }
        # Day 100: the payment of day 40 counts; every bill is long past due.
        assert await aging(reporting, days(100)) == {
            ("acme", "USD"): {
                "61_90": Decimal("699.50"),
                "31_60": Decimal("250.25"),
                "total": Decimal("949.75"),
            },
            ("initech", "USD"): {"31_60": Decimal("70.00"), "total": Decimal("70.00")},
            ("Total", "USD"): {
                "61_90": Decimal("699.50"),
                "31_60": Decimal("320.25"),
                "total": Decimal("1019.75"),
            },
        }
        assert await aging(reporting, days(-1)) == {}  # before any bill
        await replay(reporting)


async def test_a_payment_arriving_before_its_bill_counts(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            b.supplier_paid(1, 1, "acme", days(3), Decimal("40.00")),
            b.bill_posted(1, "acme", DAY, days(30), Decimal("100.00")),
        ],
    )
    assert await aging(reporting, days(2)) == {
        ("acme", "USD"): {"current": Decimal("100.00"), "total": Decimal("100.00")},
        ("Total", "USD"): {"current": Decimal("100.00"), "total": Decimal("100.00")},
    }
    assert (await aging(reporting, days(3)))[("acme", "USD")]["total"] == Decimal("60.00")


async def test_redelivery_changes_nothing(reporting: ServiceClient) -> None:
    events = bills()
    await feed(reporting, events)
    before = await figures(reporting)
    # The same events again, and the same again as republished under new event ids.
    await feed(reporting, events)
    await feed(reporting, [dataclasses.replace(e, id=uuid.uuid4().hex) for e in events])
    assert await figures(reporting) == before
    await replay(reporting)
    assert await figures(reporting) == before


async def test_due_lists_the_window_and_what_is_overdue(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            *bills(),
            b.invoice_issued(1, "zeta", DAY, LINES, due=days(33)),  # 100.00
            b.invoice_issued(2, "late", DAY, LINES, due=days(12)),  # overdue from day 13
            b.payment(1, 2, days(14), Decimal("30.00")),
        ],
    )
    for _ in range(2):
        body = await report(reporting, "/reports/due", as_of=days(29).isoformat())
        assert body["params"] == {
            "as_of": days(29).isoformat(),
            "from": days(29).isoformat(),
            "to": days(36).isoformat(),
        }
        assert body["columns"] == [
            "kind",
            "party",
            "document_id",
            "number",
            "due_day",
            "days_past_due",
            "overdue",
            "currency",
            "open_amount",
        ]
        rows = [
            (
                r["kind"],
                r["party"],
                r["document_id"],
                r["due_day"],
                r["overdue"],
                Decimal(r["open_amount"]),
            )
            for r in body["rows"]
        ]
        # By due day; globex's bill (paid) and acme's net-60 and initech's bills (later) left out.
        assert rows == [
            ("receivable", "late", 2, days(12).isoformat(), True, Decimal(70)),
            ("payable", "acme", 1, days(30).isoformat(), False, Decimal(1000)),
            ("receivable", "zeta", 1, days(33).isoformat(), False, Decimal(100)),
        ]
        assert body["rows"][0]["days_past_due"] == 17
        assert body["rows"][1]["number"] == "A-17" and body["rows"][0]["number"] is None
        usd = body["totals"]["by_currency"]["USD"]
        assert {k: Decimal(v) for k, v in usd.items()} == {
            "receivable": Decimal(170),
            "payable": Decimal(1000),
            "overdue_receivable": Decimal(70),
            "overdue_payable": Decimal(0),
        }
        assert list(body["totals"]["by_currency"]) == ["USD"]
        totals = [(t["kind"], t["currency"], Decimal(t["open_amount"])) for t in body["total_rows"]]
        assert totals == [
            ("Total receivable", "USD", Decimal(170)),
            ("Total payable", "USD", Decimal(1000)),
        ]
        # An explicit window: from day 50 to day 70 as of day 45 (acme's bill 1 now overdue,
        # partly paid; initech's due on day 50, acme's net-60 on day 60).
        later = await report(
            reporting,
            "/reports/due",
            as_of=days(45).isoformat(),
            **{"from": days(50).isoformat(), "to": days(70).isoformat()},
        )
        assert [
            (r["party"], r["document_id"], r["overdue"], Decimal(r["open_amount"]))
            for r in later["rows"]
        ] == [
            ("late", 2, True, Decimal(70)),
            ("acme", 1, True, Decimal("699.50")),
            ("zeta", 1, True, Decimal(100)),
            ("initech", 4, False, Decimal(70)),
            ("acme", 2, False, Decimal("250.25")),
        ]
        await replay(reporting)


async def test_due_with_nothing_open_is_empty(reporting: ServiceClient) -> None:
    body = await report(reporting, "/reports/due")
    assert body["rows"] == [] and body["total_rows"] == [] and body["totals"]["by_currency"] == {}
    window = dt.date.fromisoformat(body["params"]["to"]) - dt.date.fromisoformat(
        body["params"]["from"]
    )
    assert window.days == 7 and body["params"]["from"] == body["params"]["as_of"]


async def test_ap_aging_as_csv(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            b.bill_posted(1, 'Smith, "Jr" & Co', DAY, days(30), Decimal("1000.005")),
            b.bill_posted(2, "globex", DAY, days(10), Decimal("99.99"), currency="EUR"),
        ],
    )
    response = await reporting.get(
        "/reports/ap-aging", params={"as_of": days(15).isoformat(), "format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        f'filename="ap-aging-{days(15).isoformat()}.csv"'
        in (response.headers["content-disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["supplier", "currency", *BUCKETS, "total"]
    assert [r[:2] + [Decimal(v) for v in r[2:]] for r in rows[1:]] == [
        ['Smith, "Jr" & Co', "USD", Decimal("1000.005"), 0, 0, 0, 0, Decimal("1000.005")],
        ["globex", "EUR", 0, Decimal("99.99"), 0, 0, 0, Decimal("99.99")],
        ["Total", "EUR", 0, Decimal("99.99"), 0, 0, 0, Decimal("99.99")],
        ["Total", "USD", Decimal("1000.005"), 0, 0, 0, 0, Decimal("1000.005")],
    ]


async def test_a_debit_note_takes_its_total_off_the_bill_from_its_date(
    reporting: ServiceClient,
) -> None:
    # Payment 1 and debit note 1 on the same bill: both count, neither replaces the other.
    events = [
        b.bill_posted(1, "acme", DAY, days(30), Decimal("100.00")),
        b.supplier_paid(1, 1, "acme", days(2), Decimal("40.00"), open_amount=Decimal("60.00")),
        b.debit_note_posted(1, 1, "acme", days(5), Decimal("25.50"), open_amount=Decimal("34.50")),
    ]
    await feed(reporting, [*events, events[-1]])  # redelivered: counted once
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert (await aging(reporting, days(4)))[("acme", "USD")]["total"] == Decimal("60.00")
        assert (await aging(reporting, days(5)))[("acme", "USD")]["total"] == Decimal("34.50")
        await replay(reporting)

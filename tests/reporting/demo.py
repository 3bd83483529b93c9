"""A year of plausible activity, for the dashboard test and for looking at the page."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from erp.platform.events.envelope import Event
from tests.reporting import builders as b

HOUSES = ("Berlin", "Lyon", "Porto", "Gdansk")
ITEMS = ("CHAIR-01", "DESK-02", "LAMP-03", "SHELF-04", "SOFA-05")
NAMES = {
    "CHAIR-01": "Oak chair",
    "DESK-02": "Standing desk",
    "LAMP-03": "Desk lamp",
    "SHELF-04": "Wall shelf",
    "SOFA-05": "Three-seat sofa",
}
CUSTOMERS = ("Acme GmbH", "Globex SA", "Initech Lda", "Umbrella sp. z o.o.")


def demo_events(today: dt.date, seed: int = 7) -> list[Event]:
    rng = random.Random(seed)
    events: list[Event] = []
    movement, entry, invoice = 1, 1, 1
    start = today.replace(day=1) - dt.timedelta(days=330)
    on_hand: dict[tuple[str, str], Decimal] = {}
    for h, house in enumerate(HOUSES):
        for item in ITEMS:
            qty = Decimal(rng.randint(120, 260) - 10 * h)
            on_hand[(item, house)] = qty
            value = (qty * Decimal(rng.randint(20, 90))).quantize(Decimal("0.01"))
            events.append(
                b.stock_moved(
                    movement, "receipt", house, b.moment(start), [(item, house, qty, value)]
                )
            )
            events.append(
                b.journal(
                    entry,
                    start,
                    [("1300", value, Decimal(0)), ("2150", Decimal(0), value)],
                    source="stock",
                    source_ref=f"movement:{movement}",
                )
            )
            movement, entry = movement + 1, entry + 1
    day = start
    while day <= today:
        for _ in range(rng.randint(0, 2)):
            house, item = rng.choice(HOUSES), rng.choice(ITEMS)
            qty = Decimal(rng.randint(1, 3))
            cost = (qty * Decimal(rng.randint(18, 40))).quantize(Decimal("0.01"))
            net = (cost * Decimal(rng.choice(["1.6", "1.9", "2.2"]))).quantize(Decimal("0.01"))
            on_hand[(item, house)] -= qty
            customer = rng.choice(CUSTOMERS)
            events.append(b.invoice_issued(invoice, customer, day, [(item, qty, net)]))
            events.append(
                b.stock_moved(
                    movement,
                    "issue",
                    house,
                    b.moment(day, 14),
                    [(item, house, -qty, -cost)],
                    reference=f"invoice:{invoice}",
                )
            )
            events.append(
                b.journal(
                    entry,
                    day,
                    [("1200", net, Decimal(0)), ("4000", Decimal(0), net)],
                    source="invoice",
                )
            )
            entry += 1
            if day < today - dt.timedelta(days=2):
                events.append(
                    b.journal(
                        entry,
                        day,
                        [("5000", cost, Decimal(0)), ("1300", Decimal(0), cost)],
                        source="stock",
                        source_ref=f"movement:{movement}",
                    )
                )
                entry += 1
            if rng.random() < 0.7:
                paid_on = min(day + dt.timedelta(days=rng.randint(5, 50)), today)
                events.append(b.payment(invoice, invoice, paid_on, net))
            movement, invoice = movement + 1, invoice + 1
        if day.day == 1:
            rent = Decimal(rng.randint(450, 700))
            events.append(
                b.journal(entry, day, [("6100", rent, Decimal(0)), ("1100", Decimal(0), rent)])
            )
            entry += 1
        day += dt.timedelta(days=1)
    # Two items run short somewhere; a new one has a reorder point but was never received.
    lowest = {item: min(q for (i, _), q in on_hand.items() if i == item) for item in ITEMS}
    short = sorted(ITEMS, key=lambda i: lowest[i])[:2]
    for item in ITEMS:
        point = lowest[item] + rng.randint(5, 30) if item in short else Decimal(20)
        events.append(b.item_changed(item, NAMES[item], "pcs", point, b.moment(today, 7)))
    events.append(b.item_changed("TABLE-06", "Dining table", "pcs", Decimal(4), b.moment(today, 7)))
    return events

"""Property: any sequence of movements keeps every balance equal to what the ledger
recomputes, and never lets stock go negative where that is not allowed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from tests.support.clients import service_client
from tests.support.databases import SqliteFactory

SKUS = ["A", "B", "C"]
HOUSES = ["W1", "W2"]
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("50"), places=4)
costs = st.decimals(min_value=Decimal("0"), max_value=Decimal("99.9999"), places=4)

receipt = st.builds(
    lambda s, w, q, c: ("receipt", w, None, [(s, q, c)]),
    st.sampled_from(SKUS),
    st.sampled_from(HOUSES),
    quantities,
    costs,
)
issue = st.builds(
    lambda s, w, q: ("issue", w, None, [(s, q, None)]),
    st.sampled_from(SKUS),
    st.sampled_from(HOUSES),
    quantities,
)
transfer = st.builds(
    lambda s, q, flip: ("transfer", *(("W2", "W1") if flip else ("W1", "W2")), [(s, q, None)]),
    st.sampled_from(SKUS),
    quantities,
    st.booleans(),
)
adjustment = st.builds(
    lambda s, w, q, neg, c: ("adjustment", w, None, [(s, -q if neg else q, None if neg else c)]),
    st.sampled_from(SKUS),
    st.sampled_from(HOUSES),
    quantities,
    st.booleans(),
    st.none() | costs,  # a gain without a cost comes in at the last known one
)
operation = st.one_of(receipt, issue, transfer, adjustment, st.just(("reverse-last",)))


def _body(op: tuple[Any, ...]) -> dict[str, Any]:
    kind, source, target, lines = op
    body: dict[str, Any] = {
        "type": kind,
        "warehouse": source,
        "lines": [
            {"sku": s, "quantity": str(q), **({"unit_cost": str(c)} if c is not None else {})}
            for s, q, c in lines
        ],
    }
    if target:
        body["to_warehouse"] = target
    if kind == "adjustment":
        body["reason"] = "count"
    return body


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_balances_always_equal_the_ledger(
    ops: list[tuple[Any, ...]], sqlite_templates: SqliteFactory, tmp_path_factory: Any
) -> None:
    asyncio.run(_run(ops, sqlite_templates, tmp_path_factory.mktemp("prop")))


async def _run(ops: list[tuple[Any, ...]], templates: SqliteFactory, directory: Path) -> None:
    url = templates.fresh(SPEC, directory)
    async with service_client(SPEC, database_url=url, data_dir=directory) as client:
        for code in HOUSES:
            assert (
                await client.post("/warehouses", json={"code": code, "name": code})
            ).status_code == 201
        for sku in SKUS:
            assert (
                await client.post("/items", json={"sku": sku, "name": sku, "uom": "ea"})
            ).status_code == 201
        posted: list[int] = []
        for op in ops:
            if op[0] == "reverse-last":
                if not posted:
                    continue
                response = await client.post(f"/movements/{posted[-1]}/reverse")
            else:
                response = await client.post("/movements", json=_body(op))
            if response.status_code == 422:
                # Only a gain without a cost, for an item no cost was ever recorded for.
                assert op[0] == "adjustment" and op[3][0][2] is None, response.text
                assert response.json()["errors"][0]["field"] == "lines.0.unit_cost"
                continue
            assert response.status_code in (201, 409), response.text
            if response.status_code == 201 and op[0] != "reverse-last":
                posted.append(response.json()["id"])
            elif response.status_code == 201:
                posted.pop()
        async with client.app.state.runtime.db.read() as conn:
            _, mismatches = await verify_balances(conn)
        assert mismatches == []
        positions = (await client.get("/stock", params={"limit": 500})).json()["items"]
        for position in positions:
            assert Decimal(position["on_hand"]) >= 0, position
            if Decimal(position["on_hand"]) == 0:
                assert Decimal(position["value"]) == 0, position

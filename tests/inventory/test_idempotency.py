"""Idempotency-Key: a retry returns the first answer and has no second effect."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.inventory.builders import item, receive, stock, warehouse
from tests.support.clients import ServiceClient

ISSUE = {"type": "issue", "warehouse": "MAIN", "lines": [{"sku": "A", "quantity": "1"}]}


async def test_retry_replays_first_answer_without_second_effect(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "5", "1")
    headers = {"Idempotency-Key": "issue-1"}
    first = await inventory.post("/movements", json=ISSUE, headers=headers)
    second = await inventory.post("/movements", json=ISSUE, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 4


async def test_same_key_different_body_is_422(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "5", "1")
    headers = {"Idempotency-Key": "k"}
    assert (await inventory.post("/movements", json=ISSUE, headers=headers)).status_code == 201
    other = {**ISSUE, "lines": [{"sku": "A", "quantity": "2"}]}
    response = await inventory.post("/movements", json=other, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 4


async def test_keys_are_scoped_per_caller(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "5", "1")
    for user in ("alice", "bob"):
        headers = {"Idempotency-Key": "same", **inventory.auth("warehouse", subject=user)}
        assert (await inventory.post("/movements", json=ISSUE, headers=headers)).status_code == 201
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 3


async def test_concurrent_retries_take_effect_once(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "50", "1")
    headers = {"Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *(inventory.post("/movements", json=ISSUE, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 49


async def test_failed_command_is_not_remembered(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    headers = {"Idempotency-Key": "try-again"}
    assert (await inventory.post("/movements", json=ISSUE, headers=headers)).status_code == 409
    await receive(inventory, "A", "1", "1")
    assert (await inventory.post("/movements", json=ISSUE, headers=headers)).status_code == 201

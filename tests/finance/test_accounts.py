from __future__ import annotations

from erp.finance.domain.chart import STANDARD_CHART, SYSTEM
from tests.finance.support import Service, problem


async def test_standard_chart_is_created_by_the_first_migration(finance: Service) -> None:
    page = await finance.ok("GET", "/accounts?limit=500")
    chart = [(a["code"], a["name"], a["type"], a["parent"]) for a in page["items"]]
    assert chart == list(STANDARD_CHART)
    assert {a["code"] for a in page["items"] if a["system"]} == SYSTEM
    sides = {a["type"]: a["normal_side"] for a in page["items"]}
    assert sides == {
        "asset": "debit",
        "expense": "debit",
        "liability": "credit",
        "equity": "credit",
        "income": "credit",
    }


async def test_create_account_under_a_parent_of_the_same_type(finance: Service) -> None:
    body = {"code": "1110", "name": "Bank", "type": "asset", "parent": "1100"}
    created = await finance.ok("POST", "/accounts", body)
    assert created["parent"] == "1100" and created["balance"] == "0.0000"
    assert (await finance.ok("GET", "/accounts/1110"))["name"] == "Bank"


async def test_create_account_refuses_bad_input_without_writing(finance: Service) -> None:
    before = await finance.snapshot()
    wrong_type = {"code": "1110", "name": "Bank", "type": "income", "parent": "1100"}
    problem(await finance.post("/accounts", wrong_type), 422, "type", "parent's type")
    unknown_parent = {"code": "1110", "name": "Bank", "type": "asset", "parent": "9999"}
    problem(await finance.post("/accounts", unknown_parent), 422, "parent", "9999")
    duplicate = {"code": "1100", "name": "Again", "type": "asset"}
    problem(await finance.post("/accounts", duplicate), 409, "already exists")
    bad_type = {"code": "1110", "name": "Bank", "type": "cash"}
    problem(await finance.post("/accounts", bad_type), 422, "type")
    extra = {"code": "1110", "name": "Bank", "type": "asset", "colour": "red"}
    problem(await finance.post("/accounts", extra), 422, "colour")
    assert await finance.snapshot() == before


async def test_system_accounts_stay_active(finance: Service) -> None:
    response = await finance.client.patch("/accounts/1300", json={"active": False}, headers=_auth())
    problem(response, 409, "automatic postings")
    response = await finance.client.patch("/accounts/6100", json={"active": False}, headers=_auth())
    assert response.status_code == 200 and response.json()["active"] is False


async def test_roles(finance: Service) -> None:
    assert (await finance.get("/accounts", role="viewer")).status_code == 200
    problem(await finance.get("/accounts", role="warehouse"), 403, "roles")
    body = {"code": "1110", "name": "Bank", "type": "asset"}
    problem(await finance.post("/accounts", body, role="viewer"), 403, "roles")
    problem(await finance.post("/accounts", body, role="warehouse"), 403, "roles")
    assert (await finance.client.get("/accounts")).status_code == 401
    assert (await finance.post("/accounts", body, role="admin")).status_code == 201


def _auth() -> dict[str, str]:
    from tests.finance.support import auth

    return auth("accountant")

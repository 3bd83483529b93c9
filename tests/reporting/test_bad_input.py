"""Bad dates, inverted or huge ranges, unknown groupings and formats: 4xx naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.clients import ServiceClient

CASES = [
    ("/reports/trial-balance", {"as_of": "2024-02-30"}, 422, "as_of"),
    ("/reports/trial-balance", {"as_of": "yesterday"}, 422, "as_of"),
    ("/reports/balance-sheet", {"as_of": "0001-01-01"}, 422, "as_of"),
    ("/reports/stock-valuation", {"as_of": "9999-12-31"}, 422, "as_of"),
    ("/reports/profit-and-loss", {"from": "2024-03-01", "to": "2024-02-01"}, 422, "from"),
    ("/reports/profit-and-loss", {"from": "2000-01-01", "to": "2024-12-31"}, 422, "to"),
    ("/reports/profit-and-loss", {"to": "2024-12-31", "from": "2025-01-01"}, 422, "from"),
    (
        "/reports/stock-movements",
        {"from": "2024-01-01", "to": "2024-02-01", "group_by": "year"},
        422,
        "group_by",
    ),
    (
        "/reports/stock-movements",
        {"from": "2024-01-01", "to": "2024-02-01", "group_by": "day,month"},
        422,
        "group_by",
    ),
    (
        "/reports/sales",
        {"from": "2024-01-01", "to": "2024-02-01", "group_by": "warehouse"},
        422,
        "group_by",
    ),
    ("/reports/sales", {"from": "2024-01-01", "to": "2035-02-01"}, 422, "to"),
    ("/reports/ar-aging", {"format": "xlsx"}, 422, "format"),
    ("/reports/ap-aging", {"format": "xlsx"}, 422, "format"),
    ("/reports/ap-aging", {"as_of": "2024-02-30"}, 422, "as_of"),
    ("/reports/due", {"as_of": "1800-01-01"}, 422, "as_of"),
    ("/reports/due", {"from": "2024-03-01", "to": "2024-02-01"}, 422, "from"),
    ("/reports/due", {"from": "9999-12-31"}, 422, "from"),
    ("/reports/due", {"from": "2024-01-01", "to": "2035-02-01"}, 422, "to"),
    ("/reports/due", {"to": "soon"}, 422, "to"),
    ("/reports/reconciliation", {"as_of": "2024-13-01"}, 422, "as_of"),
    ("/reports/ar-aging", {"as_of": "2024-05-06T25:00:00Z"}, 422, "as_of"),
    ("/reports/low-stock", {"as_of": "1800-01-01T12:00:00Z"}, 422, "as_of"),
    # a timestamp whose UTC instant falls outside what a date can hold
    ("/reports/trial-balance", {"as_of": "0001-01-01T00:00:00+05:00"}, 422, "as_of"),
    ("/reports/stock-valuation", {"as_of": "9999-12-31T23:00:00-05:00"}, 422, "as_of"),
]


@pytest.mark.parametrize(("path", "params", "status", "field"), CASES)
async def test_bad_input_is_a_problem_naming_the_field(
    reporting: ServiceClient, path: str, params: dict[str, str], status: int, field: str
) -> None:
    response = await reporting.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert field in {e["field"] for e in body["errors"]}, body


async def test_reports_need_a_token_and_a_reader_role(reporting: ServiceClient) -> None:
    anonymous = await reporting.get("/reports/trial-balance", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    warehouse = reporting.auth("warehouse")
    assert (await reporting.get("/reports/trial-balance", headers=warehouse)).status_code == 403
    assert (await reporting.get("/reports/stock-valuation", headers=warehouse)).status_code == 200
    for path in ("/reports/ap-aging", "/reports/due"):
        assert (await reporting.get(path, headers=warehouse)).status_code == 403
        assert (await reporting.get(path, headers=reporting.auth("accountant"))).status_code == 200
    viewer = reporting.auth("viewer")
    assert (await reporting.get("/reports/balance-sheet", headers=viewer)).status_code == 200


@pytest.mark.parametrize(
    "path", ["/reports/sales", "/reports/stock-movements", "/reports/profit-and-loss"]
)
async def test_range_reports_default_to_the_current_month_to_date(
    reporting: ServiceClient, path: str
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    answer = await reporting.get(path)
    assert answer.status_code == 200, answer.text
    params = answer.json()["params"]
    assert (params["from"], params["to"]) == (today.replace(day=1).isoformat(), today.isoformat())
    # `from` alone is completed with today; `to` alone starts at the first of its month.
    only_to = (await reporting.get(path, params={"to": "2024-02-20"})).json()["params"]
    assert (only_to["from"], only_to["to"]) == ("2024-02-01", "2024-02-20")

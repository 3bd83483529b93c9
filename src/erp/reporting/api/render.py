"""One way to answer a report: from the cache or computed, as JSON or as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.reporting.cache import ReportCache, stamp
from erp.reporting.domain.report import Report, read_position, with_lag

# The 200 of every report route besides JSON, for /docs.
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, or with `format=csv` as RFC 4180 CSV (a header row,"
        " one line per row, then the totals rows; decimals exact).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def plain(value: Any) -> Any:
    """JSON-ready: decimals as exact strings, dates as ISO 8601."""
    kind = type(value)
    if kind in _AS_IS:  # the bulk of a report's cells: checked first, by exact type
        return value
    if kind is Decimal:
        return str(value)
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


_AS_IS = frozenset({str, int, float, bool, type(None)})


async def answer(
    conn: AsyncConnection,
    cache: ReportCache,
    *,
    name: str,
    params: dict[str, Any],
    families: tuple[str, ...],
    horizon: dt.date,
    compute: Callable[[AsyncConnection], Awaitable[Report]],
    fmt: str,
) -> Response:
    key = None
    body: dict[str, Any] | None = None
    if cache.enabled:
        key = cache.key(name, params, await stamp(conn, families, horizon))
        body = await cache.get(key)
    cached = body is not None
    if body is None:
        position = await read_position(conn)
        report = await compute(conn)
        report.position = position
        body = plain(report.body())
        if key is not None:
            await cache.put(key, body)
    body["position"] = with_lag(body["position"])
    headers = {"X-Cache": "hit" if cached else ("miss" if cache.enabled else "off")}
    if fmt == "csv":
        return csv_response(body, filename=_filename(name, params), headers=headers)
    return JSONResponse(body, headers=headers)


def _filename(name: str, params: dict[str, Any]) -> str:
    parts = [name, *(str(params[k]) for k in ("as_of", "from", "to") if params.get(k))]
    return "-".join(p for p in parts if p) + ".csv"


def csv_response(
    body: dict[str, Any], *, filename: str, headers: dict[str, str] | None = None
) -> Response:
    """RFC 4180: CRLF line ends, quoting where needed, a header row, the rows and then the
    totals rows; decimals exact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = body["columns"]
    writer.writerow(columns)
    for row in (*body["rows"], *body.get("total_rows", ())):  # older cached bodies have none
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={**(headers or {}), "Content-Disposition": f'attachment; filename="{filename}"'},
    )

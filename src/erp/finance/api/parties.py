"""Customers and suppliers: one set of routes per kind, under `/customers` and `/suppliers`."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import books, credit_limits, parties
from erp.finance.schemas.parties import CreditOverrideRead, PartyCreate, PartyRead, PartyUpdate
from erp.platform.api import Paging
from erp.platform.pagination import Page

CodePath = Annotated[str, Path(max_length=200, description="The party's code (any case).")]
Search = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Part of the code or name.")
]
Active = Annotated[bool | None, Query(description="Only active or only inactive ones.")]


def party_router(kind: str, path: str) -> APIRouter:
    router = APIRouter(prefix=path, tags=[path.strip("/")])
    noun = kind

    @router.get("", response_model=Page[PartyRead], summary=f"List {path.strip('/')}")
    async def list_parties(
        conn: Reading, page: Paging, search: Search = None, active: Active = None
    ) -> Page[PartyRead]:
        fetch = partial(parties.list_parties, conn, kind=kind, search=search, active=active)
        return await page.of(PartyRead, fetch)

    @router.post("", status_code=201, response_model=PartyRead, summary=f"Create a {noun}")
    async def create_party(body: PartyCreate, command: WriteCommand) -> Response:
        return await command.run(
            _with_base(parties.create_party), returns=PartyRead, kind=kind, data=body,
            user=command.user,
        )  # fmt: skip

    @router.get("/{code}", response_model=PartyRead, summary=f"Get a {noun}")
    async def get_party(code: CodePath, conn: Reading) -> PartyRead:
        return PartyRead.model_validate(await parties.get_party(conn, kind=kind, code=code))

    @router.patch("/{code}", response_model=PartyRead, summary=f"Change a {noun}")
    async def update_party(code: CodePath, body: PartyUpdate, command: WriteCommand) -> Response:
        return await command.run(
            _with_base(parties.update_party), returns=PartyRead, status_code=200, kind=kind,
            code=code, data=body,
        )  # fmt: skip

    list_parties.__doc__ = (
        f"The {path.strip('/')} in the order they were created; `search` matches part of the"
        " code or name in any case."
    )
    create_party.__doc__ = (
        f"Create a {noun}. Its code is unique among {path.strip('/')} without regard to case"
        " (409 naming `code`); terms default to net 30 days. A currency the books do not know"
        " is a 422 naming `currency`."
    )
    get_party.__doc__ = f"One {noun} by code, in any case; 404 when unknown."
    update_party.__doc__ = (
        f"Change a {noun}'s name, tax id, currency, terms, credit limit or active flag; the"
        " code stays. New documents take the new terms; documents already made keep their due"
        " dates. An inactive party takes no new documents and keeps its history."
    )
    return router


def _with_base(work: Any) -> Any:
    """`work` given the books' base currency (a credit limit is kept in it)."""

    async def run(conn: AsyncConnection, **arguments: Any) -> Any:
        return await work(conn, base_currency=await books.base_currency(conn), **arguments)

    return run


customers = party_router("customer", "/customers")
suppliers = party_router("supplier", "/suppliers")


@customers.get("/{code}/credit-overrides", response_model=list[CreditOverrideRead])
async def credit_overrides(code: CodePath, conn: Reading) -> list[CreditOverrideRead]:
    """Every issue allowed beyond the customer's credit limit, newest first: the invoice, the
    limit and exposure then, why, who and when. 404 when the customer is unknown."""
    party = await parties.get_party(conn, kind="customer", code=code)
    found = await credit_limits.overrides(conn, customer=party["code"])
    return [CreditOverrideRead.model_validate(row) for row in found]

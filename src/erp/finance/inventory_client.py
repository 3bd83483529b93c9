"""What finance asks the inventory service: whether the items and warehouses an invoice names
exist and are active. Over HTTP at ERP_INVENTORY_URL, or, in the embedded system, through the
inventory app running in this process (a `Get` the `erp up` launcher puts in the runtime's
extras under LOCAL_INVENTORY, as a service never imports another one). The caller's token is
forwarded: what finance may see of inventory is what the caller may see."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from erp.finance.config import FinanceSettings
from erp.platform.errors import InvalidInput, ServiceUnavailable
from erp.platform.runtime import Runtime

# GET a path of the inventory service with query parameters and headers: (status, body).
Get = Callable[[str, Mapping[str, str], Mapping[str, str]], Awaitable[tuple[int, bytes]]]
LOCAL_INVENTORY = "local_inventory"
_CLIENT = "inventory_client"
_IN_FLIGHT = 8  # lookups of one invoice asked at once

if TYPE_CHECKING:
    # aiohttp (~110 ms, ~8 MB) is imported on the first lookup over HTTP: a process that never
    # asks, or asks the inventory app in the same process, starts and idles without it.
    import aiohttp


class InventoryUnavailable(ServiceUnavailable):
    def __init__(self, why: str) -> None:
        super().__init__(f"the inventory service could not be asked: {why}", service="inventory")


class InventoryClient:
    """One per running service; its HTTP session opens on first use."""

    def __init__(self, settings: FinanceSettings, extras: Mapping[str, Any]) -> None:
        self._url = settings.inventory_url
        self._timeout_seconds = settings.inventory_timeout_seconds
        self._extras = extras
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _get(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        local: Get | None = self._extras.get(LOCAL_INVENTORY)
        if local is not None:
            return await local(path, params, headers)
        if not self._url:
            raise InventoryUnavailable("ERP_INVENTORY_URL is not set")
        import aiohttp

        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._timeout_seconds)
            self._session = aiohttp.ClientSession(timeout=timeout)
        try:
            async with self._session.get(
                f"{self._url}{path}", params=dict(params), headers=dict(headers)
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise InventoryUnavailable(str(error) or type(error).__name__) from None

    async def _active(self, kind: str, key: str, headers: Mapping[str, str]) -> bool | None:
        """Whether inventory keeps `key` active; None when it does not know it."""
        if kind == "item" and "/" in key:
            # A SKU may hold a slash, which no path segment can: ask the list for that SKU.
            status, body = await self._get("/items", {"sku": key, "limit": "1"}, headers)
        else:
            status, body = await self._get(f"/{kind}s/{key}", {}, headers)
        if status == 404:
            return None
        if status != 200:
            raise InventoryUnavailable(f"it answered {status} to GET /{kind}s")
        try:
            found = json.loads(body)
            if "items" in found:
                found = next((i for i in found["items"] if i["sku"] == key), None)
            return None if found is None else bool(found["active"])
        except (ValueError, KeyError, TypeError):
            raise InventoryUnavailable(f"an unreadable answer to GET /{kind}s") from None

    async def check_lines(self, lines: Sequence[Any], *, authorization: str | None) -> None:
        """A 422 naming `lines.<i>.sku` or `lines.<i>.warehouse` for the first line whose item
        or warehouse inventory does not know or keeps inactive; a 503 when it cannot be asked."""
        headers = {"Authorization": authorization} if authorization else {}
        wanted = sorted(
            {("item", ln.sku) for ln in lines} | {("warehouse", ln.warehouse) for ln in lines}
        )
        gate = asyncio.Semaphore(_IN_FLIGHT)

        async def one(kind: str, key: str) -> bool | None:
            async with gate:
                return await self._active(kind, key, headers)

        answers = await asyncio.gather(*(one(kind, key) for kind, key in wanted))
        known = dict(zip(wanted, answers, strict=True))
        for i, line in enumerate(lines):
            for kind, key, name in (
                ("item", line.sku, "sku"),
                ("warehouse", line.warehouse, "warehouse"),
            ):
                active = known[(kind, key)]
                if active is None:
                    raise InvalidInput(f"lines.{i}.{name}", f"unknown {kind} {key!r}")
                if not active:
                    raise InvalidInput(f"lines.{i}.{name}", f"{kind} {key!r} is inactive")


def inventory_client(runtime: Runtime[FinanceSettings]) -> InventoryClient:
    """The service's client, made on first use."""
    client: InventoryClient | None = runtime.extras.get(_CLIENT)
    if client is None:
        client = runtime.extras[_CLIENT] = InventoryClient(runtime.settings, runtime.extras)
    return client


async def close_inventory_client(runtime: Runtime[FinanceSettings]) -> None:
    client = runtime.extras.pop(_CLIENT, None)
    if client is not None:
        await client.close()

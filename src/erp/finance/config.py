"""Finance settings: the platform's plus the base currency and the inventory service's address."""

from __future__ import annotations

from pydantic import Field

from erp.platform.settings import ServiceSettings, ServiceUrl


class FinanceSettings(ServiceSettings):
    # The currency the books are kept in; fixed in the database on first start.
    base_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    # Where `erp finance verify` asks the inventory service for its stock valuation.
    inventory_url: ServiceUrl = None
    # How long `erp finance verify` waits for the inventory service.
    inventory_timeout_seconds: float = Field(10.0, gt=0, le=300)

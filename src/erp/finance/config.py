"""Finance settings: the platform's (ERP_BASE_CURRENCY, ERP_INVENTORY_URL...) and its own."""

from __future__ import annotations

from pydantic import Field

from erp.platform.settings import ServiceSettings


class FinanceSettings(ServiceSettings):
    # How long `erp finance verify` waits for the inventory service.
    inventory_timeout_seconds: float = Field(10.0, gt=0, le=300)

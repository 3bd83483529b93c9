"""Reporting settings: the platform's plus the cache, its Dapr state store and report limits.
Reporting calls no other service, so it reads no ERP_<SERVICE>_URL."""

from __future__ import annotations

from pydantic import Field, field_validator

from erp.platform.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    # Hot answers are cached in Redis (ERP_REDIS_URL) or the Dapr state store
    # (ERP_EVENT_TRANSPORT=dapr); 0 turns the cache off.
    reporting_cache_ttl_seconds: int = Field(300, ge=0, le=86_400)
    reporting_cache_prefix: str = Field("erp:reporting:", min_length=1, max_length=64)
    # Accounts whose balance the reconciliation compares with the stock valuation.
    reporting_inventory_accounts: str = Field("1300", min_length=1)
    # The longest range a report accepts, in days (10 years).
    reporting_max_range_days: int = Field(3660, ge=31, le=36_600)
    # Where the dashboard's login form posts (the gateway's token endpoint), renews its token
    # before it expires and ends the session (empty: the gateway offers none).
    reporting_login_url: str = Field("/auth/token", min_length=1)
    reporting_refresh_url: str = "/auth/refresh"
    reporting_logout_url: str = "/auth/logout"
    # How often the open dashboard reloads its figures, in seconds.
    reporting_dashboard_reload_seconds: int = Field(60, ge=5, le=3600)
    # The Dapr state store that holds the cache with ERP_EVENT_TRANSPORT=dapr (the sidecar's
    # port is the platform's dapr_http_port).
    dapr_statestore_name: str = Field("statestore", min_length=1)

    @field_validator("reporting_inventory_accounts")
    @classmethod
    def _codes(cls, value: str) -> str:
        codes = [c.strip() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("must name at least one account code")
        return ",".join(codes)

    @property
    def inventory_accounts(self) -> tuple[str, ...]:
        return tuple(self.reporting_inventory_accounts.split(","))

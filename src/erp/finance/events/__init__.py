"""What finance does with other services' events (`handlers`). What it publishes is written by
its domain (`erp.finance.domain.publish`); the payloads are in `erp.contracts.finance`."""

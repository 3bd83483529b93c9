"""Reporting consumes every inventory and finance event (`handlers`); the payloads are in
`erp.contracts`, their effects in `erp.reporting.domain.apply`."""

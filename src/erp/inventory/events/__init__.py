"""What inventory does with other services' events (`handlers`). What it publishes is written
by its domain (`erp.inventory.domain.publish`); the payloads are in `erp.contracts.inventory`."""

"""One OpenAPI document for every service: prefixed paths, prefixed component names."""

from __future__ import annotations

import httpx

from erp.gateway.domain.openapi import combine


def test_combine_prefixes_paths_and_components_so_services_never_clash() -> None:
    own = {"openapi": "3.1.0", "info": {"title": "erp"}, "paths": {"/auth/token": {}}}
    ref = {"$ref": "#/components/schemas/Page"}
    service = {"paths": {"/items": {"get": {"tags": ["items"], "responses": {"200": {
        "content": {"application/json": {"schema": ref}}}}}}},
        "components": {"schemas": {"Page": {"type": "object"}}}}  # fmt: skip
    doc = combine(own, {"inventory": service, "finance": service}, failed={"reporting": "down"})
    assert set(doc["paths"]) == {"/auth/token", "/api/inventory/items", "/api/finance/items"}
    assert set(doc["components"]["schemas"]) == {"inventory.Page", "finance.Page"}
    schema = doc["paths"]["/api/finance/items"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["$ref"] == "#/components/schemas/finance.Page"
    assert "reporting" in doc["info"]["description"]
    assert own["paths"] == {"/auth/token": {}}  # the input is left alone


def test_gateway_serves_the_combined_document(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert "/auth/token" in doc["paths"] and "/api/inventory/items/{sku}" in doc["paths"]
    assert "inventory.ItemRead" in doc["components"]["schemas"]
    refs = str(doc["paths"]["/api/inventory/items/{sku}"])
    assert "#/components/schemas/inventory.ItemRead" in refs

"""/docs is the manual a caller reads: every operation says what it does, every parameter and
every schema field what it means, unless its name already says it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erp import registry
from erp.gateway.domain.openapi import combine
from erp.platform.app import create_app
from tests.support.clients import JWT_SECRET

# Fields whose name is their meaning; anything else carries a description.
SELF_EVIDENT = {"id", "sku", "name", "code", "active", "created_at", "updated_at", "username",
                "password"}  # fmt: skip
# FastAPI's own schemas for its validation errors (ours answer problem+json).
FRAMEWORK = {"HTTPValidationError", "ValidationError"}
SERVICES = ("inventory", "finance", "reporting")


def openapi_of(name: str, tmp_path: Path) -> dict[str, Any]:
    spec = registry.load(name)
    settings = spec.settings_cls(
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}.db",
        data_dir=tmp_path,  # type: ignore[call-arg]
        jwt_secret=JWT_SECRET,
    )
    document: dict[str, Any] = create_app(spec, settings).openapi()
    return document


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document the gateway serves at /openapi.json, built from every service's app."""
    tmp = tmp_path_factory.mktemp("openapi")
    own = openapi_of("gateway", tmp)
    return combine(own, {name: openapi_of(name, tmp) for name in SERVICES}, failed={})


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_the_document_covers_every_service(document: dict[str, Any]) -> None:
    prefixes = {path.split("/")[2] for path in document["paths"] if path.startswith("/api/")}
    assert prefixes >= {*SERVICES, "gateway"}
    assert "/auth/token" in document["paths"]


def test_every_operation_and_parameter_is_described(document: dict[str, Any]) -> None:
    missing = [name for name, op in operations(document) if not op.get("description", "").strip()]
    assert not missing, f"operations without a description: {missing}"
    bare = [
        f"{name} {parameter['name']}"
        for name, op in operations(document)
        for parameter in op.get("parameters", [])
        if not parameter.get("description")
    ]
    assert not bare, f"parameters without a description: {bare}"


def test_every_schema_field_is_described_or_self_evident(document: dict[str, Any]) -> None:
    bare = [
        f"{schema_name}.{field}"
        for schema_name, schema in document["components"]["schemas"].items()
        if schema_name.rpartition(".")[2] not in FRAMEWORK
        for field, definition in schema.get("properties", {}).items()
        if field not in SELF_EVIDENT and not definition.get("description")
    ]
    assert not bare, f"fields without a description: {bare}"


def test_request_bodies_are_all_checked(document: dict[str, Any]) -> None:
    """Each request body is a named component (or optional: one or null), so the field check
    above sees it."""
    for name, operation in operations(document):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            schema = content["schema"]
            choices = [c for c in schema.get("anyOf", [schema]) if c.get("type") != "null"]
            assert len(choices) == 1 and "$ref" in choices[0], name


def test_access_rules_come_from_the_dependencies_that_enforce_them(
    document: dict[str, Any],
) -> None:
    post = document["paths"]["/api/inventory/movements"]["post"]
    assert post["description"].endswith(
        "Roles: admin, warehouse. Safe to retry with an `Idempotency-Key`."
    )
    assert {p["name"] for p in post["parameters"]} == {"Idempotency-Key"}
    listing = document["paths"]["/api/finance/invoices"]["get"]["description"]
    assert listing.endswith("Roles: admin, accountant, warehouse, viewer.")
    report = document["paths"]["/api/reporting/reports/stock-valuation"]["get"]["description"]
    assert report.endswith("Roles: admin, accountant, warehouse, viewer.")


def test_building_an_app_again_describes_access_once(tmp_path: Path) -> None:
    """Routers are module objects that every app built in one process shares."""
    first, again = openapi_of("inventory", tmp_path), openapi_of("inventory", tmp_path)
    assert again == first
    for _, operation in operations(again):
        assert operation["description"].count("Roles:") == 1

"""One OpenAPI document from every service's: paths prefixed with /api/<service>, component
names prefixed with the service (`inventory.ItemRead`) so that services never clash."""

from __future__ import annotations

import copy
from typing import Any

REF_ROOT = "#/components/"


def _rename_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_ROOT):
                kind, _, name = value[len(REF_ROOT) :].partition("/")
                out[key] = f"{REF_ROOT}{kind}/{service}.{name}"
            else:
                out[key] = _rename_refs(value, service)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, service) for item in node]
    return node


def _rename_security(operation: dict[str, Any], service: str) -> None:
    for requirement in operation.get("security", []):
        for name in list(requirement):
            requirement[f"{service}.{name}"] = requirement.pop(name)


def combine(
    own: dict[str, Any], services: dict[str, dict[str, Any]], *, failed: dict[str, str]
) -> dict[str, Any]:
    """The gateway's own document plus each service's, prefixed."""
    doc = copy.deepcopy(own)
    paths = doc.setdefault("paths", {})
    components = doc.setdefault("components", {})
    tags = doc.setdefault("tags", [])
    for service, spec in services.items():
        spec = _rename_refs(spec, service)
        for path, item in spec.get("paths", {}).items():
            for operation in item.values():
                if isinstance(operation, dict):
                    operation["tags"] = [f"{service}: {t}" for t in operation.get("tags", [])] or [
                        service
                    ]
                    _rename_security(operation, service)
            paths[f"/api/{service}{path}"] = item
        for kind, entries in spec.get("components", {}).items():
            target = components.setdefault(kind, {})
            for name, value in entries.items():
                target[f"{service}.{name}"] = value
        tags.extend({"name": f"{service}: {t['name']}"} for t in spec.get("tags", []))
    if not tags:
        doc.pop("tags")
    if failed:
        unavailable = ", ".join(f"{k} ({v})" for k, v in sorted(failed.items()))
        info = doc.setdefault("info", {})
        info["description"] = (info.get("description") or "") + (
            f"\n\nNot included (unreachable): {unavailable}."
        )
    return doc

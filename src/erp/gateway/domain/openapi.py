"""One OpenAPI document from every service's: paths prefixed with /api/<service>, component
names prefixed with the service (`inventory.ItemRead`) so that services never clash, and the
bearer token every operation but a few needs, declared so that /docs can sign in."""

from __future__ import annotations

import copy
from typing import Any

REF_ROOT = "#/components/"
BEARER = "bearer"
# Answered without an access token: health and metrics, signing in, and trading a refresh
# token (sent in the form) for a new pair.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/auth/token", "/auth/refresh"})
# The token is optional here: given, it is revoked too.
OPTIONAL_TOKEN_PATHS = frozenset({"/auth/logout"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# The OAuth2 password flow is what /auth/token implements: Swagger UI's Authorize button then
# asks for a user name and password and sends the token it gets on every call.
BEARER_SCHEME = {
    "type": "oauth2",
    "description": "Sign in with a user name and password at `POST /auth/token`; the access "
    "token is then sent as `Authorization: Bearer <token>` (the gateway checks it for every "
    "`/api/` path).",
    "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}},
}


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
    _declare_bearer(paths, components)
    if failed:
        unavailable = ", ".join(f"{k} ({v})" for k, v in sorted(failed.items()))
        info = doc.setdefault("info", {})
        info["description"] = (info.get("description") or "") + (
            f"\n\nNot included (unreachable): {unavailable}."
        )
    return doc


def _declare_bearer(paths: dict[str, Any], components: dict[str, Any]) -> None:
    """The bearer scheme, required by every operation but the open ones (an operation that
    declares its own requirement keeps it)."""
    components.setdefault("securitySchemes", {})[BEARER] = BEARER_SCHEME
    for path, item in paths.items():
        if path in OPEN_PATHS:
            continue
        requirement: list[dict[str, list[str]]] = [{BEARER: []}]
        if path in OPTIONAL_TOKEN_PATHS:
            requirement.append({})
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                operation.setdefault("security", [dict(r) for r in requirement])

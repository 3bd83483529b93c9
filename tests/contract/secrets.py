"""The Secret an operator creates beforehand when a profile sets `existingSecret`."""

from __future__ import annotations

import re
from typing import Any

from tests.contract.manifests import Render


def referenced_keys(render: Render, name: str) -> set[str]:
    keys: set[str] = set()
    for obj in render.objects:
        spec = obj.get("spec", {})
        template = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get(
            "spec", {}
        ).get("template", {}).get("spec")
        for container in (template or {}).get("containers", []):
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] == name:
                    keys.add(ref["key"])
    return keys


def operator_secret(render: Render, name: str) -> dict[str, Any]:
    """A Secret with every key the workloads read, filled as an operator would."""
    values: dict[str, str] = {}
    for key in sorted(referenced_keys(render, name)):
        match = re.fullmatch(r"(\w+)-database-url", key)
        if match:
            service = match.group(1)
            values[key] = f"postgresql://erp_{service}:pw@external-postgresql:5432/erp_{service}"
        elif key == "redis-url":
            values[key] = "redis://external-redis:6379/0"
        else:
            values[key] = f"operator-provided-{key}-0123456789-0123456789"
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": values}


def complete(render: Render) -> Render:
    """Add the Secrets that workloads reference but the chart does not render."""
    rendered = {s["metadata"]["name"] for s in render.kind("Secret")}
    wanted: set[str] = set()
    for obj in render.objects:
        text = repr(obj)
        for match in re.finditer(r"'secretKeyRef': \{'key': '[^']+', 'name': '([^']+)'", text):
            wanted.add(match.group(1))
        for match in re.finditer(r"'secretKeyRef': \{'name': '([^']+)'", text):
            wanted.add(match.group(1))
    extra = [operator_secret(render, n) for n in sorted(wanted - rendered)]
    return Render([*render.objects, *extra], render.profile) if extra else render


def with_secret(render: Render, name: str, files: dict[str, str]) -> Render:
    """The render plus a Secret an operator creates from files, for one that pods mount as a
    volume (`kubectl create secret generic <name> --from-file=<key>=<path>`)."""
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": files}
    return Render([*render.objects, secret], render.profile)

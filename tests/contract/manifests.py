"""Rendering the chart and reading what a rendered object says."""

from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = Path(os.environ.get("ERP_CHART_DIR", ROOT / "deploy" / "helm" / "erp-system"))
HELM = Path(os.environ.get("ERP_HELM", ROOT / ".tools" / "bin" / "helm"))
NAMESPACE = "erp"
RELEASE = "erp"


def helm_or_skip() -> Path:
    if HELM.exists():
        return HELM
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"helm not found at {HELM} (make tools installs it)")
    pytest.skip(f"helm not found at {HELM}; run `make tools`")


@dataclass
class Render:
    """One `helm template` output, indexed by kind and name."""

    objects: list[dict[str, Any]]
    profile: str
    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for obj in self.objects:
            self.by_kind.setdefault(obj["kind"], []).append(obj)

    def kind(self, kind: str) -> list[dict[str, Any]]:
        return self.by_kind.get(kind, [])

    def get(self, kind: str, name: str) -> dict[str, Any]:
        for obj in self.kind(kind):
            if obj["metadata"]["name"] == name:
                return obj
        raise KeyError(f"{kind}/{name} not rendered in profile {self.profile}")

    def config_value(self, kind: str, name: str, key: str) -> str:
        obj = self.get(kind, name)
        if kind == "Secret":
            if key in obj.get("stringData", {}):
                return str(obj["stringData"][key])
            return base64.b64decode(obj["data"][key]).decode()
        return str(obj["data"][key])

    def config_map(self, kind: str, name: str) -> dict[str, str]:
        obj = self.get(kind, name)
        if kind == "Secret":
            values = {k: base64.b64decode(v).decode() for k, v in obj.get("data", {}).items()}
            values.update({k: str(v) for k, v in obj.get("stringData", {}).items()})
            return values
        return {k: str(v) for k, v in obj.get("data", {}).items()}

    def services_selecting(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        return [
            s
            for s in self.kind("Service")
            if s["spec"].get("selector")
            and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())
        ]


def render(profile: str, *extra: str, values: Path | None = None) -> Render:
    helm = helm_or_skip()
    values_file = values or CHART / "ci" / f"{profile}-values.yaml"
    out = subprocess.run(
        [
            str(helm),
            "template",
            RELEASE,
            str(CHART),
            "--namespace",
            NAMESPACE,
            "-f",
            str(values_file),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise AssertionError(f"helm template {profile} failed:\n{out.stderr}")
    objects = [o for o in yaml.safe_load_all(out.stdout) if o]
    return Render(objects, profile)

"""Render the chart with helm and hand the objects to the policy tests.

helm comes from .tools/bin (make tools). Without it the chart tests are skipped, except on CI
(CI=true): there the project's installer is run once, and a helm still missing is a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "erp-system"
PROFILES = CHART / "ci"
HELM = ROOT / ".tools" / "bin" / "helm"
NAMESPACE = "erp-system"
PROFILE_NAMES = sorted(p.name.removesuffix("-values.yaml") for p in PROFILES.glob("*-values.yaml"))

Render = Callable[..., list[dict]]


def require_helm() -> None:
    if HELM.exists():
        return
    message = f"{HELM} is missing (make tools)"
    if os.environ.get("CI") != "true":
        pytest.skip(message)
    installer = ROOT / "deploy" / "tools" / "install-tools.sh"
    result = subprocess.run(
        ["bash", str(installer), "--helm-only"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not HELM.exists():
        pytest.fail(f"{message}; {installer.name} failed:\n{result.stdout}{result.stderr}")


def api_versions(profile: Path) -> list[str]:
    for line in profile.read_text().splitlines():
        if line.startswith("# api-versions:"):
            return [f"--api-versions={v.strip()}" for v in line.split(":", 1)[1].split(",")]
    return []


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False)


@cache
def _render(
    profile: str, sets: tuple[str, ...], values: tuple[str, ...], flags: tuple[str, ...]
) -> tuple[dict, ...]:
    path = PROFILES / f"{profile}-values.yaml"
    args = ["template", "erp-system", str(CHART), "--namespace", NAMESPACE, "-f", str(path)]
    args += api_versions(path)
    for extra in values:
        args += ["-f", extra]
    for item in sets:
        args += ["--set", item]
    args += flags
    result = helm(*args)
    if result.returncode != 0:
        raise AssertionError(f"helm template {profile} failed:\n{result.stderr}")
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


@pytest.fixture
def render() -> Render:
    """render("default", "key=value", ..., values=[path], flags=["--is-upgrade"]) -> the rendered
    objects (helm template renders a first install unless flags say otherwise)."""
    require_helm()

    def _do(
        profile: str, *sets: str, values: tuple[str, ...] = (), flags: tuple[str, ...] = ()
    ) -> list[dict]:
        return list(_render(profile, tuple(sets), tuple(str(v) for v in values), tuple(flags)))

    return _do


@pytest.fixture
def helm_run() -> Callable[..., subprocess.CompletedProcess[str]]:
    require_helm()
    return helm


def profile_values(profile: str) -> dict:
    """values.yaml with the profile laid over it, as helm merges them (a null drops a key)."""

    def merge(base: dict, over: dict) -> dict:
        out = dict(base)
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
            elif isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
        return out

    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    return merge(defaults, yaml.safe_load((PROFILES / f"{profile}-values.yaml").read_text()) or {})


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def find(objects: list[dict], kind: str, name: str) -> dict:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"{kind}/{name} not rendered")


def pod_templates(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(owner, pod spec holder) for every workload: Deployment, StatefulSet, DaemonSet, Job, Pod."""
    out = []
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            out.append((obj, obj["spec"]["template"]))
        elif obj["kind"] == "Pod":
            out.append((obj, obj))
    return out


def matches(selector: dict, labels: dict) -> bool:
    """A label selector (matchLabels, or a Service's plain map) selects these labels."""
    wanted = selector.get("matchLabels", selector) if "matchLabels" in selector else selector
    exprs = selector.get("matchExpressions", [])
    if not all(labels.get(k) == v for k, v in wanted.items()):
        return False
    for expr in exprs:
        value = labels.get(expr["key"])
        if expr["operator"] == "In" and value not in expr["values"]:
            return False
        if expr["operator"] == "NotIn" and value in expr["values"]:
            return False
        if expr["operator"] == "Exists" and value is None:
            return False
    return True

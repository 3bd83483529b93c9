"""Chart test pipeline: lint, render, schema-validate and scan every values profile.

For each deploy/helm/erp-system/ci/*-values.yaml profile:
  1. helm lint --strict at the oldest and newest Kubernetes version the chart claims;
  2. helm template (with the profile's `# api-versions:` header as --api-versions);
  3. kubernetes-validate --strict of every object against both versions (a version newer than
     the newest schema kubernetes-validate bundles is checked against that newest one, and the
     pipeline says so); CRD-backed kinds (no bundled schema) get the structural checks in
     check_custom_resource instead;
then one checkov run over all rendered profiles plus the Dockerfile, with results split per
profile: zero failed checks and more than zero resources scanned for each.

Usage: python deploy/tools/chart_pipeline.py [--out DIR] [--profile NAME ...]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "erp-system"
BIN = ROOT / ".tools" / "bin"
RELEASE = "erp-system"
NAMESPACE = "erp-system"

# Kinds served by CRDs: kubernetes-validate bundles no schema for them.
CUSTOM_KINDS = {
    "dapr.io/v1alpha1": {"Component", "Resiliency"},
    "monitoring.coreos.com/v1": {"ServiceMonitor", "PodMonitor", "PrometheusRule"},
    "gateway.networking.k8s.io/v1": {"HTTPRoute"},
}


def claimed_versions() -> tuple[str, str]:
    """Oldest and newest Kubernetes minor versions allowed by Chart.yaml kubeVersion."""
    spec = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    low = re.search(r">=\s*(\d+)\.(\d+)", spec)
    high = re.search(r"<\s*(\d+)\.(\d+)", spec)
    if not low or not high:
        raise SystemExit(f"kubeVersion {spec!r} needs a >= and a < bound")
    newest_minor = int(high.group(2)) - 1
    return f"{low.group(1)}.{low.group(2)}.0", f"{high.group(1)}.{newest_minor}.0"


def schema_version(version: str) -> str:
    """The Kubernetes version whose bundled schemas validate `version`: itself, or the newest
    kubernetes-validate ships when the chart claims a newer minor than it knows."""
    newest = kubernetes_validate.latest_version()
    as_tuple = lambda v: tuple(int(p) for p in v.split(".")[:2])  # noqa: E731
    return newest if as_tuple(version) > as_tuple(newest) else version


def api_versions(profile: Path) -> list[str]:
    for line in profile.read_text().splitlines():
        if line.startswith("# api-versions:"):
            return [v.strip() for v in line.split(":", 1)[1].split(",") if v.strip()]
    return []


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def check_custom_resource(doc: dict) -> list[str]:
    """Minimal structural checks for CRD-backed objects."""
    problems = []
    meta = doc.get("metadata") or {}
    if not meta.get("name") or not meta.get("namespace"):
        problems.append("metadata.name and metadata.namespace are required")
    kind = doc["kind"]
    if kind == "Component":
        spec = doc.get("spec") or {}
        if not re.fullmatch(r"(state|pubsub)\.[a-z0-9.]+", str(spec.get("type", ""))):
            problems.append("spec.type must name a state or pubsub component")
        if spec.get("version") != "v1":
            problems.append("spec.version must be v1")
        for item in spec.get("metadata") or []:
            if set(item) - {"name", "value", "secretKeyRef"} or "name" not in item:
                problems.append(f"bad metadata item {item}")
        if not doc.get("scopes"):
            problems.append("scopes must limit the component to the services")
    elif kind == "ServiceMonitor":
        endpoints = (doc.get("spec") or {}).get("endpoints") or []
        if not endpoints or any(e.get("port") != "http" for e in endpoints):
            problems.append("endpoints must scrape the named port http")
    elif kind == "PodMonitor":
        spec = doc.get("spec") or {}
        endpoints = spec.get("podMetricsEndpoints") or []
        if not endpoints or any(not e.get("port") for e in endpoints):
            problems.append("podMetricsEndpoints must scrape a named port")
        if not (spec.get("selector") or {}).get("matchLabels"):
            problems.append("selector.matchLabels must select the pods")
    elif kind == "PrometheusRule":
        for group in (doc.get("spec") or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                if not rule.get("alert") or not rule.get("expr"):
                    problems.append(f"rule without alert or expr in {group.get('name')}")
    elif kind == "HTTPRoute":
        spec = doc.get("spec") or {}
        if not spec.get("parentRefs") or not spec.get("rules"):
            problems.append("parentRefs and rules are required")
        for rule in spec.get("rules") or []:
            weights = [b.get("weight", 1) for b in rule.get("backendRefs") or []]
            if not weights or any(not 0 <= w <= 1_000_000 for w in weights):
                problems.append("every rule needs backendRefs with weights in range")
    elif kind == "Resiliency":
        spec = doc.get("spec") or {}
        if not spec.get("policies") or not spec.get("targets"):
            problems.append("policies and targets are required")
    return problems


def validate(rendered: Path, versions: tuple[str, str]) -> tuple[list[str], Counter]:
    errors: list[str] = []
    custom: Counter = Counter()
    for doc in yaml.safe_load_all(rendered.read_text()):
        if not doc:
            continue
        ref = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in CUSTOM_KINDS.get(doc["apiVersion"], set()):
            custom[doc["kind"]] += 1
            errors += [f"{ref}: {p}" for p in check_custom_resource(doc)]
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, schema_version(version), strict=True)
            except kubernetes_validate.ValidationError as exc:
                errors.append(f"{ref} (k8s {version}): {exc.message}")
            except kubernetes_validate.SchemaNotFoundError:
                errors.append(f"{ref}: no schema for {doc['apiVersion']} in k8s {version}")
    return errors, custom


def checkov(out: Path, dockerfile: Path) -> dict[str, dict[str, int]]:
    """One checkov run over every rendered profile and the Dockerfile; counts per file."""
    shutil.copy(dockerfile, out / "Dockerfile")
    proc = run(
        [
            str(BIN / "checkov"),
            "--directory",
            str(out),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--skip-download",
            "--output",
            "json",
            "--compact",
        ]
    )
    try:
        reports = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"checkov gave no JSON (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    if isinstance(reports, dict):
        reports = [reports]
    stats: dict[str, dict[str, int]] = {}
    resources: dict[str, set[str]] = {}
    for report in reports:
        if "results" not in report:
            continue
        for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
            for item in report["results"].get(outcome, []):
                name = Path(item["file_path"]).name
                counts = stats.setdefault(name, Counter())
                counts[outcome] += 1
                resources.setdefault(name, set()).add(item["resource"])
                if outcome == "failed_checks":
                    print(f"  checkov FAILED {item['check_id']} {item['resource']} ({name})")
    for name, counts in stats.items():
        counts["resources"] = len(resources[name])
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "chart")
    parser.add_argument("--profile", action="append", help="only these profiles (name stem)")
    args = parser.parse_args()

    helm = str(BIN / "helm")
    for tool in ("helm", "checkov"):
        if not (BIN / tool).exists():
            sys.exit(f"{BIN / tool} is missing: run `make tools`")
    oldest, newest = claimed_versions()
    print(f"Kubernetes versions claimed by the chart: {oldest} .. {newest}")
    if schema_version(newest) != newest:
        print(f"  kubernetes-validate bundles schemas up to {schema_version(newest)}: objects are "
              f"validated against it for {newest} (helm lint still runs at {newest})")  # fmt: skip
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)

    profiles = sorted((CHART / "ci").glob("*-values.yaml"))
    if args.profile:
        profiles = [p for p in profiles if p.name.removesuffix("-values.yaml") in args.profile]
    failures: list[str] = []
    started = time.monotonic()
    for profile in profiles:
        name = profile.name.removesuffix("-values.yaml")
        extra = [f"--api-versions={v}" for v in api_versions(profile)]
        for version in (oldest, newest):
            lint = run([helm, "lint", "--strict", "--kube-version", version, str(CHART),
                        "--namespace", NAMESPACE, "-f", str(profile)])  # fmt: skip
            if lint.returncode != 0:
                failures.append(f"{name}: helm lint (k8s {version}):\n{lint.stdout}{lint.stderr}")
        rendered = run([helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
                        "--kube-version", newest, "-f", str(profile), *extra])  # fmt: skip
        if rendered.returncode != 0:
            failures.append(f"{name}: helm template: {rendered.stderr}")
            continue
        target = args.out / f"{name}.yaml"
        target.write_text(rendered.stdout)
        errors, custom = validate(target, (oldest, newest))
        failures += [f"{name}: {e}" for e in errors]
        kinds = ", ".join(f"{k} x{n}" for k, n in sorted(custom.items())) or "none"
        objects = sum(1 for d in yaml.safe_load_all(rendered.stdout) if d)
        print(f"{name:18} {objects:3} objects valid for k8s {oldest} and {newest}; "
              f"CRD-backed (own checks, no bundled schema): {kinds}")  # fmt: skip

    print("checkov: kubernetes on every profile, dockerfile on the Dockerfile (one run)")
    stats = checkov(args.out, ROOT / "Dockerfile")
    for target in [*sorted(args.out.glob("*.yaml")), args.out / "Dockerfile"]:
        counts = stats.get(target.name, Counter())
        print(f"  {target.name:30} resources {counts['resources']:3}  passed "
              f"{counts['passed_checks']:4}  failed {counts['failed_checks']}  skipped "
              f"{counts['skipped_checks']}")  # fmt: skip
        if counts["resources"] == 0:
            failures.append(f"checkov scanned no resource in {target.name}")
        if counts["failed_checks"]:
            failures.append(f"checkov: {counts['failed_checks']} failed checks in {target.name}")

    print(f"chart pipeline: {len(profiles)} profiles in {time.monotonic() - started:.1f}s")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

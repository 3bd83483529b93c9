"""The alerting rules and the Grafana dashboard query only metrics that the processes export."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import Metric

import erp
from erp.gateway.proxy.metrics import ProxyMetrics
from tests.chart.conftest import CHART, Render, by_kind

OURS = re.compile(r"\berp_[a-z_]+\b")
SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count", ""),
    "info": ("_info",),
}


def _series(metrics: list[Metric]) -> set[str]:
    return {m.name + suffix for m in metrics for suffix in SUFFIXES.get(m.type, ("",))}


def exported() -> set[str]:
    """Every erp_* series name a service or the gateway can expose."""
    for module in pkgutil.walk_packages(erp.__path__, "erp."):
        if ".migrations." not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)  # module-level collectors register themselves
    proxy = CollectorRegistry()
    ProxyMetrics(registry=proxy)  # the proxy creates its own when it starts
    names = _series(list(REGISTRY.collect())) | _series(list(proxy.collect()))
    return {n for n in names if n.startswith("erp_")}


def test_every_metric_in_the_alert_rules_is_exported(render: Render) -> None:
    objects = render(
        "default", "metrics.prometheusRule.enabled=true", "metrics.prometheusRule.forceRender=true"
    )
    (rule,) = by_kind(objects, "PrometheusRule")
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"]]
    used = {name for r in alerts for name in OURS.findall(r["expr"])}
    assert len(alerts) >= 9 and "erp_gateway_upstream_state" in used
    assert used - exported() == set()


def test_every_metric_on_the_dashboard_is_exported() -> None:
    dashboard = json.loads((CHART / "files" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {name for e in exprs for name in OURS.findall(e)}
    assert {"erp_http_requests_total", "erp_gateway_upstream_retries_total"} <= used
    assert used - exported() == set()

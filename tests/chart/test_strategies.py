"""Release strategies: rolling, blue-green and canary render the right selectors and weights."""

from __future__ import annotations

from tests.chart.conftest import Render, by_kind, find, matches


def pod_labels(objects: list[dict], deployment: str) -> dict:
    return find(objects, "Deployment", deployment)["spec"]["template"]["metadata"]["labels"]


def test_rolling_update_settings_per_service(render: Render) -> None:
    objects = render(
        "default",
        "services.inventory.rollingUpdate.maxSurge=2",
        "services.inventory.minReadySeconds=30",
    )
    inventory = find(objects, "Deployment", "erp-system-inventory")["spec"]
    gateway = find(objects, "Deployment", "erp-system-gateway")["spec"]
    assert inventory["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0},
    }
    assert inventory["minReadySeconds"] == 30
    assert gateway["strategy"]["rollingUpdate"]["maxSurge"] == "25%"
    assert gateway["minReadySeconds"] == 5
    assert gateway["revisionHistoryLimit"] == 5


def test_blue_green_service_selects_the_active_slot(render: Render) -> None:
    objects = render("blue-green")
    live = find(objects, "Service", "erp-system-gateway")["spec"]["selector"]
    preview = find(objects, "Service", "erp-system-gateway-preview")["spec"]["selector"]
    blue = pod_labels(objects, "erp-system-gateway-blue")
    green = pod_labels(objects, "erp-system-gateway-green")
    assert matches(live, blue) and not matches(live, green)
    assert matches(preview, green) and not matches(preview, blue)
    images = {
        slot: find(objects, "Deployment", f"erp-system-gateway-{slot}")["spec"]["template"]["spec"][
            "containers"
        ][0]["image"]
        for slot in ("blue", "green")
    }
    assert images["blue"].endswith(":0.1.0") and images["green"].endswith(":0.2.0")
    # inventory was switched: the live Service follows green, the idle blue slot keeps one pod.
    live_inv = find(objects, "Service", "erp-system-inventory")["spec"]["selector"]
    assert matches(live_inv, pod_labels(objects, "erp-system-inventory-green"))
    assert find(objects, "Deployment", "erp-system-inventory-blue")["spec"]["replicas"] == 1
    assert find(objects, "Deployment", "erp-system-inventory-green")["spec"]["replicas"] == 3


def test_blue_green_switch_is_one_value(render: Render) -> None:
    before = render("blue-green")
    after = render("blue-green", "services.gateway.blueGreen.activeSlot=green")
    live = find(after, "Service", "erp-system-gateway")["spec"]["selector"]
    assert matches(live, pod_labels(after, "erp-system-gateway-green"))
    assert not matches(live, pod_labels(after, "erp-system-gateway-blue"))
    # Nothing but the Service selectors (and the role labels) changes: the pods are not restarted.
    for slot in ("blue", "green"):
        name = f"erp-system-gateway-{slot}"
        assert (
            find(before, "Deployment", name)["spec"]["template"]
            == find(after, "Deployment", name)["spec"]["template"]
        )


def test_canary_nginx_ingress_weight_and_header(render: Render) -> None:
    objects = render("canary-nginx")
    canary = find(objects, "Ingress", "erp-system-gateway-canary")
    notes = canary["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/canary"] == "true"
    assert notes["nginx.ingress.kubernetes.io/canary-weight"] == "20"
    assert notes["nginx.ingress.kubernetes.io/canary-by-header"] == "X-Canary"
    main = find(objects, "Ingress", "erp-system")
    main_paths = [
        p["path"]
        for p in main["spec"]["rules"][0]["http"]["paths"]
        if p["backend"]["service"]["name"] == "erp-system-gateway"
    ]
    canary_paths = [p["path"] for p in canary["spec"]["rules"][0]["http"]["paths"]]
    assert canary_paths == main_paths
    assert canary["spec"]["rules"][0]["host"] == main["spec"]["rules"][0]["host"]
    assert {
        p["backend"]["service"]["name"] for p in canary["spec"]["rules"][0]["http"]["paths"]
    } == {"erp-system-gateway-canary"}
    stable_svc = find(objects, "Service", "erp-system-gateway")["spec"]["selector"]
    canary_svc = find(objects, "Service", "erp-system-gateway-canary")["spec"]["selector"]
    stable, canary_pods = (
        pod_labels(objects, "erp-system-gateway"),
        pod_labels(objects, "erp-system-gateway-canary"),
    )
    assert matches(stable_svc, stable) and not matches(stable_svc, canary_pods)
    assert matches(canary_svc, canary_pods) and not matches(canary_svc, stable)
    canary_dep = find(objects, "Deployment", "erp-system-gateway-canary")
    assert canary_dep["spec"]["replicas"] == 1
    assert canary_dep["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":0.2.0")
    reporting = find(objects, "Ingress", "erp-system-reporting-canary")["metadata"]["annotations"]
    assert reporting["nginx.ingress.kubernetes.io/canary-weight"] == "5"


def test_canary_by_service_splits_by_replicas(render: Render) -> None:
    objects = render("canary-nginx")
    selector = find(objects, "Service", "erp-system-inventory")["spec"]["selector"]
    assert matches(selector, pod_labels(objects, "erp-system-inventory"))
    assert matches(selector, pod_labels(objects, "erp-system-inventory-canary"))
    names = {s["metadata"]["name"] for s in by_kind(objects, "Service")}
    assert "erp-system-inventory-canary" not in names


def test_canary_httproute_weights(render: Render) -> None:
    objects = render("canary-httproute")
    assert not by_kind(objects, "Ingress")
    route = find(objects, "HTTPRoute", "erp-system")
    gateway_rules = [
        r
        for r in route["spec"]["rules"]
        if any(b["name"].startswith("erp-system-gateway") for b in r["backendRefs"])
    ]
    header_rule, split_rule = gateway_rules
    assert all(
        m["headers"] == [{"name": "X-Canary", "value": "always"}] for m in header_rule["matches"]
    )
    assert [b["name"] for b in header_rule["backendRefs"]] == ["erp-system-gateway-canary"]
    weights = {b["name"]: b["weight"] for b in split_rule["backendRefs"]}
    assert weights == {"erp-system-gateway": 75, "erp-system-gateway-canary": 25}
    paths = {m["path"]["value"] for r in route["spec"]["rules"] for m in r["matches"]}
    assert {"/api", "/auth", "/docs", "/openapi.json", "/status", "/reports", "/dashboard"} <= paths


def test_crd_backed_objects_need_the_api_or_a_force_flag(render: Render) -> None:
    plain = render(
        "default",
        "httpRoute.enabled=true",
        "dapr.enabled=true",
        "metrics.serviceMonitor.enabled=true",
        "metrics.prometheusRule.enabled=true",
    )
    assert not [
        o
        for o in plain
        if o["kind"] in ("HTTPRoute", "Component", "Resiliency", "ServiceMonitor", "PrometheusRule")
    ]
    forced = render(
        "default",
        "httpRoute.enabled=true",
        "httpRoute.forceRender=true",
        "dapr.enabled=true",
        "dapr.forceRender=true",
    )
    assert by_kind(forced, "HTTPRoute") and len(by_kind(forced, "Component")) == 2

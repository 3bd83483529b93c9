"""Policies every profile's rendered objects must keep."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.chart import netpol
from tests.chart.conftest import (
    NAMESPACE,
    PROFILE_NAMES,
    ROOT,
    Render,
    by_kind,
    find,
    matches,
    pod_templates,
    profile_values,
)

APP_SERVICES = ("gateway", "inventory", "finance", "reporting")
ALLOWED_ENV = {
    "ERP_PORT", "ERP_DATABASE_URL", "ERP_DATA_DIR", "ERP_REDIS_URL", "ERP_EVENT_TRANSPORT",
    "ERP_JWT_SECRET", "ERP_LOG_LEVEL", "ERP_LOG_FORMAT", "ERP_ENVIRONMENT",
    "ERP_SHUTDOWN_DELAY_SECONDS", "ERP_DRAIN_TIMEOUT_SECONDS", "ERP_DB_POOL_SIZE",
    "ERP_DB_MAX_OVERFLOW", "ERP_BASE_CURRENCY", "ERP_COMPANY_TIMEZONE", "ERP_GATEWAY_URL",
    "ERP_INVENTORY_URL", "ERP_FINANCE_URL", "ERP_REPORTING_URL", "ERP_ADMIN_PASSWORD",
    "ERP_DAPR_PUBSUB_NAME", "ERP_DAPR_STATESTORE_NAME", "ERP_FORWARDED_PROTO",
}  # fmt: skip
ALL_PROFILES = pytest.mark.parametrize("profile", PROFILE_NAMES)


def app_containers(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(owner, container) for every container that runs the erp image."""
    out = []
    for owner, holder in pod_templates(objects):
        for container in holder["spec"]["containers"]:
            if container["image"].split("@")[0].rsplit(":", 1)[0].endswith("erp-system/erp"):
                out.append((owner, container))
    return out


@ALL_PROFILES
def test_workload_selectors_match_their_pod_labels(render: Render, profile: str) -> None:
    for owner, holder in pod_templates(render(profile)):
        if owner["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            labels = holder["metadata"]["labels"]
            assert matches(owner["spec"]["selector"], labels), owner["metadata"]["name"]


@ALL_PROFILES
def test_every_selector_selects_some_pod(render: Render, profile: str) -> None:
    objects = render(profile)
    pods = [h["metadata"]["labels"] for _, h in pod_templates(objects)]
    for svc in by_kind(objects, "Service"):
        assert any(matches(svc["spec"]["selector"], p) for p in pods), svc["metadata"]["name"]
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for obj in by_kind(objects, kind):
            selector = obj["spec"].get("selector") or obj["spec"]["podSelector"]
            assert any(matches(selector, p) for p in pods), f"{kind}/{obj['metadata']['name']}"


@ALL_PROFILES
def test_service_and_probe_ports_are_named_ports_that_exist(render: Render, profile: str) -> None:
    objects = render(profile)
    workloads = pod_templates(objects)
    for svc in by_kind(objects, "Service"):
        selected = [
            h for _, h in workloads if matches(svc["spec"]["selector"], h["metadata"]["labels"])
        ]
        for port in svc["spec"]["ports"]:
            assert isinstance(port["targetPort"], str), "targetPort must be a port name"
            for holder in selected:
                names = {
                    p["name"] for c in holder["spec"]["containers"] for p in c.get("ports", [])
                }
                assert port["targetPort"] in names, svc["metadata"]["name"]
    for owner, holder in workloads:
        for container in holder["spec"]["containers"]:
            names = {p["name"] for p in container.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                http = container.get(probe, {}).get("httpGet")
                if http:
                    assert http["port"] in names, f"{owner['metadata']['name']} {probe}"


@ALL_PROFILES
def test_app_containers_follow_the_runtime_contract(render: Render, profile: str) -> None:
    objects = render(profile)
    deployments = [(o, c) for o, c in app_containers(objects) if o["kind"] == "Deployment"]
    assert deployments
    # A token only where the operator asked for one (a sidecar that calls the API).
    token = profile_values(profile)["serviceAccount"]["automountServiceAccountToken"]
    for owner, container in deployments:
        assert container["args"][0] == "serve" and container["args"][1] in APP_SERVICES
        assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        spec = owner["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is token
        assert spec["restartPolicy"] == "Always"
        assert spec["containers"][0] is container, "the app is the pod's first container"
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    for owner, container in app_containers(objects):
        if owner["kind"] == "Job":
            assert container["args"][0] == "migrate"
            assert owner["spec"]["template"]["spec"]["restartPolicy"] == "Never"
            assert owner["spec"]["backoffLimit"] >= 1


@ALL_PROFILES
def test_every_container_is_hardened_and_bounded(render: Render, profile: str) -> None:
    values = profile_values(profile)
    # UID 10001 everywhere, unless the operator left the UID to the platform (OpenShift's
    # restricted-v2 assigns one): then no container names one, and none may run as root.
    platform_uid = "runAsUser" not in values["podSecurityContext"]
    token = values["serviceAccount"]["automountServiceAccountToken"]
    for owner, holder in pod_templates(render(profile)):
        spec = holder["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is (token and owner["kind"] == "Deployment")
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{owner['kind']}/{owner['metadata']['name']}/{container['name']}"
            resources = container["resources"]
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[part]), where
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            if platform_uid:
                assert "runAsUser" not in sc and "runAsUser" not in spec["securityContext"], where
                assert sc.get("runAsNonRoot", True) is True, where
            else:
                assert sc["runAsUser"] == 10001, where
            image = container["image"]
            assert not image.endswith(":latest") and ":" in image.split("/")[-1], where


@ALL_PROFILES
def test_env_names_are_in_the_contract(render: Render, profile: str) -> None:
    from tests.chart.conftest import PROFILES

    values = yaml.safe_load((PROFILES / f"{profile}-values.yaml").read_text()) or {}
    extra = set((values.get("defaults") or {}).get("env", {}))
    for svc in (values.get("services") or {}).values():
        extra |= set((svc or {}).get("env", {}))
    # extraEnv is the operator's own (proxies, CA bundles, the downward API): any name.
    operator_env = {e["name"] for e in (values.get("defaults") or {}).get("extraEnv", [])}
    for svc in (values.get("services") or {}).values():
        operator_env |= {e["name"] for e in (svc or {}).get("extraEnv", [])}
    objects = render(profile)
    for _owner, container in app_containers(objects):
        for env in container.get("env", []):
            if env["name"] in operator_env:
                continue
            assert env["name"] in ALLOWED_ENV or env["name"] in extra, env["name"]
            assert re.fullmatch(r"ERP_[A-Z0-9_]+", env["name"])
            assert env["name"] not in ("DAPR_HTTP_PORT", "DAPR_GRPC_PORT")
    for cm in by_kind(objects, "ConfigMap"):
        if cm["metadata"]["name"] == "erp-system":
            assert set(cm["data"]) <= ALLOWED_ENV
            assert cm["data"]["ERP_SHUTDOWN_DELAY_SECONDS"] == "0"


@ALL_PROFILES
def test_grace_period_exceeds_prestop_sleep_plus_drain(render: Render, profile: str) -> None:
    for owner, container in app_containers(render(profile)):
        if owner["kind"] != "Deployment":
            continue
        spec = owner["spec"]["template"]["spec"]
        sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        drain = float(
            next(e["value"] for e in container["env"] if e["name"] == "ERP_DRAIN_TIMEOUT_SECONDS")
        )
        assert spec["terminationGracePeriodSeconds"] > sleep + drain, owner["metadata"]["name"]


@ALL_PROFILES
def test_pdbs_allow_a_disruption_and_exist_for_replicated_services(
    render: Render, profile: str
) -> None:
    objects = render(profile)
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(objects, "HorizontalPodAutoscaler")
    }
    pdbs = by_kind(objects, "PodDisruptionBudget")
    for pdb in pdbs:
        spec = pdb["spec"]
        assert "maxUnavailable" in spec or "minAvailable" in spec
        if "maxUnavailable" in spec:
            assert spec["maxUnavailable"] not in (0, "0%")
    for dep in by_kind(objects, "Deployment"):
        name = dep["metadata"]["name"]
        count = hpas[name]["spec"]["minReplicas"] if name in hpas else dep["spec"]["replicas"]
        covered = [
            p
            for p in pdbs
            if matches(p["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])
        ]
        if "minAvailable" in (covered[0]["spec"] if covered else {}):
            assert covered[0]["spec"]["minAvailable"] < count
        if count > 1 and profile != "minimal":
            assert covered, f"{name} runs {count} replicas without a PodDisruptionBudget"
        if count <= 1:
            assert not covered, f"{name} has one replica: a PDB would block every drain"


@ALL_PROFILES
def test_hpa_owns_the_replica_count(render: Render, profile: str) -> None:
    objects = render(profile)
    for hpa in by_kind(objects, "HorizontalPodAutoscaler"):
        target = find(objects, "Deployment", hpa["spec"]["scaleTargetRef"]["name"])
        assert "replicas" not in target["spec"]
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@ALL_PROFILES
def test_ingress_and_httproute_backends_exist(render: Render, profile: str) -> None:
    objects = render(profile)
    services = {s["metadata"]["name"]: s for s in by_kind(objects, "Service")}
    for ing in by_kind(objects, "Ingress"):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] in services
                port_names = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"]["name"] in port_names
    for route in by_kind(objects, "HTTPRoute"):
        for rule in route["spec"]["rules"]:
            for ref in rule["backendRefs"]:
                assert ref["name"] in services
                assert ref["port"] in {p["port"] for p in services[ref["name"]]["spec"]["ports"]}


def test_ingress_routes_the_contract_paths(render: Render) -> None:
    objects = render("default")
    ingress = find(objects, "Ingress", "erp-system")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    routes = {
        p["path"]: p["backend"]["service"]["name"]
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    for path in ("/api", "/auth", "/docs", "/openapi.json", "/status"):
        assert routes[path] == "erp-system-gateway"
    for path in ("/reports", "/dashboard"):
        assert routes[path] == "erp-system-reporting"
    assert "nginx.ingress.kubernetes.io/rewrite-target" not in (
        ingress["metadata"].get("annotations") or {}
    )


def test_production_ha_scales_and_spreads(render: Render) -> None:
    objects = render("production-ha")
    hpas = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpas
    for hpa in hpas:
        assert hpa["spec"]["minReplicas"] >= 2
        kinds = {m["type"] for m in hpa["spec"]["metrics"]}
        assert "Resource" in kinds
    gateway_hpa = find(objects, "HorizontalPodAutoscaler", "erp-system-gateway")
    assert {m["type"] for m in gateway_hpa["spec"]["metrics"]} == {"Resource", "Pods"}
    for dep in by_kind(objects, "Deployment"):
        spec = dep["spec"]["template"]["spec"]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        required = spec["affinity"]["podAntiAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]
        # Two replicas of a service never share a node: a required anti-affinity term on the
        # hostname that selects the pod's own labels.
        assert any(
            t["topologyKey"] == "kubernetes.io/hostname" and matches(t["labelSelector"], labels)
            for t in required
        ), dep["metadata"]["name"]
        spread = {c["topologyKey"]: c for c in spec["topologySpreadConstraints"]}
        assert spread["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
        assert matches(spread["topology.kubernetes.io/zone"]["labelSelector"], labels)
        container = spec["containers"][0]
        assert (
            container["resources"]["requests"]["memory"]
            == container["resources"]["limits"]["memory"]
        )
    assert by_kind(objects, "DaemonSet"), "the node agent runs one pod per node"
    for sts in by_kind(objects, "StatefulSet"):
        assert sts["spec"]["template"]["spec"]["tolerations"]
        assert sts["spec"]["template"]["spec"]["nodeSelector"]


def test_default_profile_spreads_softly(render: Render) -> None:
    dep = find(render("default"), "Deployment", "erp-system-gateway")
    spec = dep["spec"]["template"]["spec"]
    assert (
        "requiredDuringSchedulingIgnoredDuringExecution" not in spec["affinity"]["podAntiAffinity"]
    )
    assert {c["topologyKey"] for c in spec["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }


# --- service-to-service calls through the rendered NetworkPolicies -----------------------

# Who calls whom over HTTP, by the URL setting the caller reads: finance checks SKUs and
# warehouses at inventory (ERP_INVENTORY_URL) when an invoice is created.
CALLS = [("finance", "ERP_INVENTORY_URL", "inventory")]
PLAIN_MANIFESTS = ROOT / "deploy" / "k8s"


def container_env(objects: list[dict], container: dict) -> dict[str, str]:
    """The plain values the container's environment gets (ConfigMaps by envFrom, then env)."""
    env: dict[str, str] = {}
    rendered = {c["metadata"]["name"]: c for c in by_kind(objects, "ConfigMap")}
    for source in container.get("envFrom", []):
        name = source.get("configMapRef", {}).get("name")
        if name in rendered:  # an operator's own ConfigMap sets no ERP_*_URL here
            env.update(rendered[name]["data"])
    env.update({e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e})
    return env


def component(endpoint: netpol.Endpoint) -> str:
    return endpoint.labels.get("app.kubernetes.io/component", "")


def assert_calls_pass_the_policies(objects: list[dict], namespace: str) -> int:
    """Every pod of a caller reaches every pod behind the callee's URL on the port that URL
    ends on (Service port -> targetPort -> the pod's containerPort); nothing else in the
    namespace, and no other port, gets through. Returns the (caller, callee) pod templates
    checked."""
    pods = netpol.endpoints(objects, namespace)
    checked = 0
    for caller, setting, callee in CALLS:
        deployments = [
            d
            for d in by_kind(objects, "Deployment")
            if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == caller
        ]
        assert deployments, f"no {caller} Deployment rendered"
        for deployment in deployments:
            source = next(
                p for p in pods if p.name == f"Deployment/{deployment['metadata']['name']}"
            )
            url = container_env(objects, deployment["spec"]["template"]["spec"]["containers"][0])[
                setting
            ]
            service, target = netpol.service_target(objects, url, namespace)
            backends = [
                p
                for p in pods
                if p.name.startswith("Deployment/")
                and matches(service["spec"]["selector"], p.labels)
            ]
            assert backends and {component(b) for b in backends} == {callee}, (url, backends)
            for backend in backends:
                port = netpol.pod_port(backend, target)
                assert netpol.allows(objects, source, backend, port, namespace), (
                    f"{source.name} cannot reach {backend.name}:{port} ({setting}={url})"
                )
                assert not netpol.allows(objects, source, backend, port + 1, namespace)
                stranger = netpol.Endpoint("Pod/other-app", namespace, {"app": "other"})
                assert not netpol.allows(objects, stranger, backend, port, namespace)
                checked += 1
    # Not every service may call every other: reporting reads events, it never calls inventory.
    inventory = [p for p in pods if component(p) == "inventory" and p.name.startswith("Deploy")]
    reporting = [p for p in pods if component(p) == "reporting" and p.name.startswith("Deploy")]
    for source in reporting:
        for backend in inventory:
            assert not netpol.allows(objects, source, backend, backend.ports["http"], namespace)
    return checked


NETWORK_PROFILES = [
    p for p in PROFILE_NAMES if profile_values(p).get("networkPolicy", {}).get("enabled", True)
]


@pytest.mark.parametrize("profile", NETWORK_PROFILES)
def test_finance_reaches_inventory_at_its_url_and_nothing_else_does(
    render: Render, profile: str
) -> None:
    assert assert_calls_pass_the_policies(render(profile), NAMESPACE) >= 1


def test_the_policy_follows_the_pod_port_when_the_service_port_differs(render: Render) -> None:
    """A Service on port 80 still delivers to the pod's port 8000, and that is the port the
    policies must open (they apply after the Service's address translation)."""
    objects = render("default", "services.inventory.service.port=80")
    url = find(objects, "ConfigMap", "erp-system")["data"]["ERP_INVENTORY_URL"]
    assert url.endswith(":80")
    assert assert_calls_pass_the_policies(objects, NAMESPACE) == 1


def test_the_plain_manifests_let_finance_reach_inventory() -> None:
    objects = [
        doc
        for path in sorted(PLAIN_MANIFESTS.rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc.get("kind") != "Kustomization"
    ]
    assert by_kind(objects, "NetworkPolicy")
    assert assert_calls_pass_the_policies(objects, "erp-system") == 1

"""What an operator expects of a chart (the conventions of bitnami, podinfo and
prometheus-community charts), rendered from ci/operator-values.yaml as an operator writes it, and
the node agent in a namespace whose Pod Security level admits its hostPath volumes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import yaml

from tests.chart.conftest import CHART, Render, by_kind, find, matches, pod_templates

MIRROR = "registry.internal.example.com"
APP_SERVICES = ("gateway", "inventory", "finance", "reporting")


def operator(render: Render, *sets: str) -> list[dict]:
    return render("operator", *sets)


def containers(holder: dict) -> list[dict]:
    spec = holder["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def app(objects: list[dict], name: str) -> tuple[dict, dict]:
    spec = find(objects, "Deployment", name)["spec"]["template"]["spec"]
    return spec, spec["containers"][0]


def test_every_image_comes_from_the_mirror_with_its_pull_secrets(render: Render) -> None:
    objects = operator(render)
    workloads = pod_templates(objects)
    assert {o["kind"] for o, _ in workloads} == {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "Pod",
    }
    for owner, holder in workloads:
        for container in containers(holder):
            assert container["image"].startswith(f"{MIRROR}/"), (
                owner["metadata"]["name"],
                container["image"],
            )
        # global.imagePullSecrets first, then imagePullSecrets; objects and plain names; once.
        assert holder["spec"]["imagePullSecrets"] == [
            {"name": "mirror-pull"},
            {"name": "team-pull"},
        ]
    # The registry part of a third-party image is replaced, the rest of the path kept.
    postgres = find(objects, "StatefulSet", "erp-system-postgresql")["spec"]["template"]["spec"]
    assert postgres["containers"][0]["image"] == f"{MIRROR}/library/postgres:17.6"
    assert app(objects, "erp-system-gateway")[1]["image"] == f"{MIRROR}/erp-system/erp:0.1.0"
    # Without the knobs nothing changes.
    default = render("default")
    assert app(default, "erp-system-gateway")[1]["image"] == "ghcr.io/erp-system/erp:0.1.0"
    assert all("imagePullSecrets" not in h["spec"] for _, h in pod_templates(default))


def test_extra_env_volumes_and_containers_reach_the_app_and_its_migration_job(
    render: Render,
) -> None:
    objects = operator(render)
    spec, container = app(objects, "erp-system-reporting")
    env = {e["name"]: e for e in container["env"]}
    assert env["SSL_CERT_FILE"]["value"] == "/etc/ssl/corp/ca-bundle.crt"
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    # A service's own list comes after the defaults'.
    names = [e["name"] for e in container["env"]]
    assert names.index("NODE_NAME") < names.index("TZ")
    assert "TZ" not in {e["name"] for e in app(objects, "erp-system-gateway")[1]["env"]}
    assert {"configMapRef": {"name": "erp-site-settings", "optional": True}} in container["envFrom"]
    assert container["envFrom"][0] == {"configMapRef": {"name": "erp-system"}}
    assert {"name": "corp-ca", "mountPath": "/etc/ssl/corp", "readOnly": True} in container[
        "volumeMounts"
    ]
    assert {v["name"] for v in spec["volumes"]} >= {
        "tmp",
        "corp-ca",
        "vault-config",
        "vault-secrets",
    }
    assert [c["name"] for c in spec["initContainers"]] == ["vault-agent-init"]
    assert [c["name"] for c in spec["containers"]] == ["reporting", "vault-agent"]
    job = find(objects, "Job", "erp-system-reporting-migrate-install")["spec"]["template"]["spec"]
    migrate = job["containers"][0]
    assert {"SSL_CERT_FILE", "NODE_NAME", "TZ"} <= {e["name"] for e in migrate["env"]}
    assert migrate["envFrom"] == [{"configMapRef": {"name": "erp-site-settings", "optional": True}}]
    assert "corp-ca" in {m["name"] for m in migrate["volumeMounts"]}
    assert len(job["containers"]) == 1, "no sidecar in a Job: it would never finish"


def test_security_contexts_can_be_overridden_and_keys_dropped(render: Render) -> None:
    objects = operator(render)
    for owner, holder in pod_templates(objects):
        pod = holder["spec"]["securityContext"]
        assert not {"runAsUser", "runAsGroup", "fsGroup"} & set(pod), owner["metadata"]["name"]
        assert pod["runAsNonRoot"] is True
        notes = owner["metadata"].get("annotations") or {}
        assert any(v.startswith("CKV_K8S_40=") for v in notes.values()), owner["metadata"]["name"]
    # defaults.podSecurityContext drops a key for the services (and their Jobs) only.
    assert "fsGroupChangePolicy" not in app(objects, "erp-system-finance")[0]["securityContext"]
    postgres = find(objects, "StatefulSet", "erp-system-postgresql")["spec"]["template"]["spec"]
    assert postgres["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"
    # Per service, over the release-wide ones; maps merge (drop ALL stays).
    tuned = render(
        "default",
        "services.gateway.podSecurityContext.fsGroup=2000",
        "services.gateway.containerSecurityContext.capabilities.add[0]=NET_BIND_SERVICE",
    )
    spec, container = app(tuned, "erp-system-gateway")
    assert spec["securityContext"]["fsGroup"] == 2000
    assert container["securityContext"]["capabilities"] == {
        "drop": ["ALL"],
        "add": ["NET_BIND_SERVICE"],
    }
    assert container["securityContext"]["runAsUser"] == 10001
    job = find(tuned, "Job", "erp-system-gateway-migrate-install")["spec"]["template"]["spec"]
    assert job["securityContext"]["fsGroup"] == 2000
    assert app(tuned, "erp-system-inventory")[0]["securityContext"]["fsGroup"] == 10001
    default = find(render("default"), "Deployment", "erp-system-gateway")
    assert not any(v.startswith("CKV_K8S_40=") for v in default["metadata"]["annotations"].values())


def test_service_type_port_and_annotations(render: Render) -> None:
    objects = operator(render)
    gateway = find(objects, "Service", "erp-system-gateway")
    assert gateway["spec"]["type"] == "LoadBalancer"
    assert gateway["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    assert gateway["metadata"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"
    }
    assert find(objects, "Service", "erp-system-inventory")["spec"]["type"] == "ClusterIP"
    config = find(objects, "ConfigMap", "erp-system")["data"]
    assert config["ERP_GATEWAY_URL"] == "http://erp-system-gateway.erp-system.svc.cluster.local:80"
    assert config["ERP_INVENTORY_URL"].endswith(":8000")
    assert app(objects, "erp-system-gateway")[1]["ports"][0]["containerPort"] == 8000
    route = render("canary-httproute", "services.gateway.service.port=8080")
    (httproute,) = by_kind(route, "HTTPRoute")
    ports = {
        r["name"]: r["port"] for rule in httproute["spec"]["rules"] for r in rule["backendRefs"]
    }
    assert ports == {
        "erp-system-gateway": 8080,
        "erp-system-gateway-canary": 8080,
        "erp-system-reporting": 8000,
    }
    assert find(route, "Service", "erp-system-gateway-canary")["spec"]["ports"][0]["port"] == 8080


def test_service_accounts_existing_shared_or_per_service(render: Render) -> None:
    objects = operator(render)
    assert not by_kind(objects, "ServiceAccount")
    for name in APP_SERVICES:
        spec, _ = app(objects, f"erp-system-{name}")
        assert spec["serviceAccountName"] == "erp-workload"
        assert spec["automountServiceAccountToken"] is True
        notes = find(objects, "Deployment", f"erp-system-{name}")["metadata"]["annotations"]
        assert any(v.startswith("CKV_K8S_38=") for v in notes.values())
    shared = render("default", "serviceAccount.name=erp")
    (account,) = by_kind(shared, "ServiceAccount")
    assert account["metadata"]["name"] == "erp" and account["automountServiceAccountToken"] is False
    assert {app(shared, f"erp-system-{n}")[0]["serviceAccountName"] for n in APP_SERVICES} == {
        "erp"
    }
    per_service = render("default")
    assert {a["metadata"]["name"] for a in by_kind(per_service, "ServiceAccount")} == {
        f"erp-system-{n}" for n in APP_SERVICES
    }
    none = render("default", "serviceAccount.create=false")
    assert app(none, "erp-system-gateway")[0]["serviceAccountName"] == "default"


def test_topology_spread_constraints_pass_through(render: Render) -> None:
    spec, _ = app(operator(render), "erp-system-finance")
    keys = [c["topologyKey"] for c in spec["topologySpreadConstraints"]]
    assert keys[-1] == "example.com/rack" and "topology.kubernetes.io/zone" in keys
    assert spec["topologySpreadConstraints"][-1]["labelSelector"] == {
        "matchLabels": {"app.kubernetes.io/part-of": "erp-system"}
    }
    spread = "defaults.topologySpreadConstraints[0]"
    only = render(
        "default",
        "defaults.topologySpread.enabled=false",
        f"{spread}.maxSkew=1",
        f"{spread}.topologyKey=example.com/rack",
        f"{spread}.whenUnsatisfiable=DoNotSchedule",
    )
    assert [
        c["topologyKey"] for c in app(only, "erp-system-gateway")[0]["topologySpreadConstraints"]
    ] == ["example.com/rack"]


def test_store_persistence_and_settings(render: Render) -> None:
    objects = operator(render)
    pg = find(objects, "StatefulSet", "erp-system-postgresql")["spec"]
    (claim,) = pg["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "ceph-rbd"
    assert claim["spec"]["accessModes"] == ["ReadWriteOncePod"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert claim["metadata"]["annotations"] == {"backup.example.com/policy": "daily"}
    args = pg["template"]["spec"]["containers"][0]["args"]
    assert args == [
        "postgres", "-c", "max_connections=100", "-c", "log_min_duration_statement=500",
        "-c", "shared_buffers=128MB",
    ]  # fmt: skip
    redis = find(objects, "StatefulSet", "erp-system-redis")["spec"]
    assert "volumeClaimTemplates" not in redis
    data = next(v for v in redis["template"]["spec"]["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "persistentVolumeClaim": {"claimName": "erp-redis-data"}}
    script = redis["template"]["spec"]["containers"][0]["command"][2]
    assert "--appendfsync 'everysec' --latency-monitor-threshold '100'" in script
    ephemeral = render("default", "postgresql.persistence.enabled=false")
    pg = find(ephemeral, "StatefulSet", "erp-system-postgresql")["spec"]
    assert "volumeClaimTemplates" not in pg
    data = next(v for v in pg["template"]["spec"]["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "emptyDir": {"sizeLimit": "8Gi"}}


def test_service_monitor_namespace_and_relabelings(render: Render) -> None:
    objects = operator(render)
    monitors = by_kind(objects, "ServiceMonitor")
    assert len(monitors) == 4
    for monitor in monitors:
        assert monitor["metadata"]["namespace"] == "monitoring"
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["erp-system"]}
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["relabelings"] == [
            {
                "sourceLabels": ["__meta_kubernetes_pod_node_name"],
                "targetLabel": "node",
                "action": "replace",
            }
        ]
        # The chart's restore of the app's `service` label first, the operator's after.
        metric = endpoint["metricRelabelings"]
        assert metric[0]["sourceLabels"] == ["exported_service"]
        assert metric[-1] == {
            "sourceLabels": ["__name__"],
            "regex": "python_gc_.*",
            "action": "drop",
        }
    honoured = operator(render, "metrics.serviceMonitor.honorLabels=true")
    (endpoint,) = by_kind(honoured, "ServiceMonitor")[0]["spec"]["endpoints"]
    assert endpoint["metricRelabelings"] == [
        {"sourceLabels": ["__name__"], "regex": "python_gc_.*", "action": "drop"}
    ]


def test_chart_yaml_carries_artifact_hub_annotations() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    notes = chart["annotations"]
    assert notes["artifacthub.io/license"] == "Apache-2.0"
    links = yaml.safe_load(notes["artifacthub.io/links"])
    assert {"Operator guide", "Source"} <= {link["name"] for link in links}
    assert all(link["url"].startswith("https://") for link in links)
    changes = yaml.safe_load(notes["artifacthub.io/changes"])
    assert changes and all(
        c["kind"] in {"added", "changed", "deprecated", "removed", "fixed", "security"}
        and c["description"]
        for c in changes
    )
    images = {i["name"]: i["image"] for i in yaml.safe_load(notes["artifacthub.io/images"])}
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert images["erp"] == f"ghcr.io/erp-system/erp:{chart['appVersion']}"
    for name, key in (
        ("postgresql", "postgresql"),
        ("redis", "redis"),
        ("node-agent", "nodeAgent"),
    ):
        image = values[key]["image"]
        assert images[name] == f"{image['repository']}:{image['tag']}"


def test_a_parent_charts_globals_are_accepted(render: Render) -> None:
    assert render("default", "global.storageClass=fast", "global.security.allowInsecureImages=true")


# --- 5. the node agent: its own namespace, a scrape -----------------------------------------


def test_node_agent_runs_where_its_host_paths_are_admitted(render: Render) -> None:
    objects = render("plain-manifests", "nodeAgent.enabled=true")
    namespaces = {n["metadata"]["name"]: n for n in by_kind(objects, "Namespace")}
    release = namespaces["erp-system"]["metadata"]["labels"]
    assert release["pod-security.kubernetes.io/enforce"] == "restricted"
    (agent,) = by_kind(objects, "DaemonSet")
    ns = agent["metadata"]["namespace"]
    assert ns == "erp-system-node-agent"
    assert (
        namespaces[ns]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    )
    assert any("hostPath" in v for v in agent["spec"]["template"]["spec"]["volumes"])
    # Pod Security `restricted` (and `baseline`) refuse hostPath: none in the release namespace.
    for owner, holder in pod_templates(objects):
        if owner["metadata"]["namespace"] == "erp-system":
            assert not any("hostPath" in v for v in holder["spec"].get("volumes", [])), owner
    # Its NetworkPolicy lives beside it and selects it.
    policy = find(objects, "NetworkPolicy", "erp-system-node-agent")
    assert policy["metadata"]["namespace"] == ns
    assert matches(policy["spec"]["podSelector"], agent["spec"]["template"]["metadata"]["labels"])


def test_node_agent_is_scraped(render: Render) -> None:
    objects = render("production-ha")
    (agent,) = by_kind(objects, "DaemonSet")
    template = agent["spec"]["template"]
    (monitor,) = by_kind(objects, "PodMonitor")
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": [agent["metadata"]["namespace"]]}
    assert matches(spec["selector"], template["metadata"]["labels"])
    ports = {p["name"]: p["containerPort"] for p in template["spec"]["containers"][0]["ports"]}
    (endpoint,) = spec["podMetricsEndpoints"]
    assert endpoint["port"] in ports and endpoint["path"] == "/metrics"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    notes = template["metadata"]["annotations"]
    assert notes["prometheus.io/scrape"] == "true"
    assert notes["prometheus.io/port"] == str(ports[endpoint["port"]])
    # Prometheus (the monitoring namespace) may reach it.
    policy = find(objects, "NetworkPolicy", "erp-system-node-agent")["spec"]["ingress"][0]
    assert policy["ports"] == [{"port": "metrics", "protocol": "TCP"}]
    # The ServiceMonitor namespace, when set, holds the PodMonitor too.
    moved = render("production-ha", "metrics.serviceMonitor.namespace=monitoring")
    assert by_kind(moved, "PodMonitor")[0]["metadata"]["namespace"] == "monitoring"


def test_bad_values_for_the_new_knobs_are_refused(
    helm_run: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    base = ["template", "erp-system", str(CHART), "-n", "erp-system"]
    cases = {
        "imagePullSecrets[0].nme=x": "imagePullSecrets",
        "defaults.service.type=External": "service",
        "serviceAccount.name=Not_A_Name": "serviceAccount",
        "postgresql.persistence.accessModes[0]=RWO": "accessModes",
        "defaults.podSecurityContext.runAsUsr=1": "podSecurityContext",
    }
    for item, where in cases.items():
        result = helm_run(*base, "--set", item)
        assert result.returncode != 0, item
        assert where in result.stderr, (item, result.stderr)
    assert json.loads((CHART / "values.schema.json").read_text())["properties"]["global"]

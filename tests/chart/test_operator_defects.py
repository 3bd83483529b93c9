"""Defects an operator hit with the chart, each pinned by a render: blue-green switches under an
HPA, the PostgreSQL connection budget, metric labels, placement of one-shot pods, Dapr shutdown,
URL encoding, the bundled Redis, Kubernetes 1.38 and TLS to an external PostgreSQL."""

from __future__ import annotations

import json
import math
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.chart.conftest import (
    CHART,
    PROFILE_NAMES,
    PROFILES,
    Render,
    by_kind,
    find,
    pod_templates,
)

# Both slots may run at the HPA's maximum around a switch: 172 connections at worst.
GATEWAY_HPA = (
    "services.gateway.autoscaling.enabled=true",
    "services.gateway.autoscaling.minReplicas=3",
    "postgresql.maxConnections=200",
)


def deployments(objects: list[dict]) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in by_kind(objects, "Deployment")}


def hpas(objects: list[dict]) -> dict[str, dict]:
    """HPAs by the Deployment they scale."""
    return {
        h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(objects, "HorizontalPodAutoscaler")
    }


def replicas_after_upgrade(before: dict, after: dict, live: int) -> int:
    """Replicas of a Deployment right after Helm applied `after` over its last manifest `before`
    while `live` pods ran: a `replicas` in the new manifest sets the count; one that was in the
    last manifest and is gone is patched to null, which the API server defaults to 1; one in
    neither is left to its owner, the HPA (live)."""
    if "replicas" in after["spec"]:
        return int(after["spec"]["replicas"])
    if "replicas" in before["spec"]:
        return 1
    return live


def live_counts(objects: list[dict], active_load: int) -> dict[str, int]:
    """Pods running per Deployment: explicit replicas, else what its HPA keeps (the live slot at
    `active_load` under traffic, an idle one at its minimum)."""
    scalers = hpas(objects)
    counts = {}
    for name, dep in deployments(objects).items():
        if "replicas" in dep["spec"]:
            counts[name] = int(dep["spec"]["replicas"])
        else:
            hpa = scalers[name]["spec"]
            live = dep["metadata"]["labels"]["erp-system/role"] == "main"
            counts[name] = max(hpa["minReplicas"], active_load if live else 0)
    return counts


@pytest.mark.parametrize("idle", [None, 1])
@pytest.mark.parametrize("switch", [("blue", "green"), ("green", "blue")])
def test_blue_green_switch_under_an_hpa_never_lowers_the_live_slot(
    render: Render, switch: tuple[str, str], idle: int | None
) -> None:
    old, new = switch
    extra = [*GATEWAY_HPA]
    if idle is not None:
        extra.append(f"services.gateway.blueGreen.idleReplicas={idle}")
    before = render("blue-green", *extra, f"services.gateway.blueGreen.activeSlot={old}")
    after = render("blue-green", *extra, f"services.gateway.blueGreen.activeSlot={new}")
    live = live_counts(before, active_load=5)
    old_deps, new_deps = deployments(before), deployments(after)
    for name, dep in new_deps.items():
        count = replicas_after_upgrade(old_deps[name], dep, live[name])
        if name == f"erp-system-gateway-{new}":
            assert count >= live[name], f"the newly live slot drops from {live[name]} to {count}"
        # No Deployment of the gateway loses its `replicas` at the switch (Helm's null patch).
        if name.startswith("erp-system-gateway"):
            assert ("replicas" in old_deps[name]["spec"]) <= ("replicas" in dep["spec"]), name
    # The live slot is scaled between the service's own bounds from now on.
    hpa = hpas(after)[f"erp-system-gateway-{new}"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    live_selector = find(after, "Service", "erp-system-gateway")["spec"]["selector"]
    assert live_selector["track"] == new


def test_every_deployment_without_replicas_has_an_hpa(render: Render) -> None:
    for extra in ((), ("services.gateway.blueGreen.idleReplicas=2",)):
        objects = render("blue-green", *GATEWAY_HPA, *extra)
        scalers = hpas(objects)
        for name, dep in deployments(objects).items():
            assert ("replicas" in dep["spec"]) != (name in scalers), name
        assert {n for n in scalers if n.startswith("erp-system-gateway")} == {
            "erp-system-gateway-blue",
            "erp-system-gateway-green",
        }
    idle_zero = render("blue-green", *GATEWAY_HPA, "services.gateway.blueGreen.idleReplicas=0")
    assert deployments(idle_zero)["erp-system-gateway-green"]["spec"]["replicas"] == 0
    assert "erp-system-gateway-green" not in hpas(idle_zero)


# --- connection budget -----------------------------------------------------------------


def merged_values(profile: str) -> dict:
    def merge(base: dict, over: dict) -> dict:
        out = dict(base)
        for key, value in over.items():
            out[key] = (
                merge(out[key], value)
                if isinstance(value, dict) and isinstance(out.get(key), dict)
                else value
            )
        return out

    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    return merge(defaults, yaml.safe_load((PROFILES / f"{profile}-values.yaml").read_text()) or {})


def surge(count: int, max_surge: int | str) -> int:
    if count == 0:
        return 0
    if isinstance(max_surge, str):
        return math.ceil(count * int(max_surge.rstrip("%")) / 100)
    return int(max_surge)


def worst_case_connections(objects: list[dict]) -> int:
    """Recomputed from the rendered objects alone: every Deployment that reads a database URL at
    its replicas (or its HPA's maximum) plus its surge, times pool + overflow + the outbox
    listener, plus one per migration Job."""
    config = find(objects, "ConfigMap", "erp-system")["data"]
    scalers = hpas(objects)
    total = 0
    for name, dep in deployments(objects).items():
        container = dep["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        if "ERP_DATABASE_URL" not in env:
            continue
        pool = int(env.get("ERP_DB_POOL_SIZE") or config["ERP_DB_POOL_SIZE"])
        overflow = int(env.get("ERP_DB_MAX_OVERFLOW") or config["ERP_DB_MAX_OVERFLOW"])
        count = scalers[name]["spec"]["maxReplicas"] if name in scalers else dep["spec"]["replicas"]
        pods = count + surge(count, dep["spec"]["strategy"]["rollingUpdate"]["maxSurge"])
        total += pods * (pool + overflow + 1)
    return total + len([j for j in by_kind(objects, "Job") if "-migrate" in j["metadata"]["name"]])


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_worst_case_connections_fit_the_bundled_postgresql(render: Render, profile: str) -> None:
    objects = render(profile)
    values = merged_values(profile)
    if not values["postgresql"]["enabled"]:
        pytest.skip("external PostgreSQL")
    args = find(objects, "StatefulSet", "erp-system-postgresql")["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert (
        args[0] == "postgres"
        and f"max_connections={values['postgresql']['maxConnections']}" in args
    )
    allowed = values["postgresql"]["maxConnections"] - values["postgresql"]["connectionReserve"]
    assert worst_case_connections(objects) <= allowed


def test_the_render_refuses_more_connections_than_the_server_takes(
    helm_run, render: Render
) -> None:
    base = [
        "template",
        "erp-system",
        str(CHART),
        "-n",
        "erp-system",
        "-f",
        str(PROFILES / "default-values.yaml"),
    ]
    objects = render("default")
    assert worst_case_connections(objects) == 76  # 4 services x 3 pods x (3 + 2 + 1) + 4 Jobs
    refused = helm_run(*base, "--set", "postgresql.maxConnections=80")
    assert refused.returncode != 0
    assert "the release can open 76 (" in refused.stderr
    assert (
        "postgresql.maxConnections (80) - postgresql.connectionReserve (10) allows 70"
        in refused.stderr
    )
    # A service's own pool size (its env) counts, not only config.dbPoolSize.
    own_pool = helm_run(*base, "--set-string", "services.reporting.env.ERP_DB_POOL_SIZE=20")
    assert own_pool.returncode != 0 and "reporting 3 pods x 23 = 69" in own_pool.stderr
    # Exactly at the limit renders: 86 - 10 = 76.
    fits = helm_run(*base, "--set", "postgresql.maxConnections=86")
    assert fits.returncode == 0, fits.stderr


# --- metrics ---------------------------------------------------------------------------


def test_service_monitor_keeps_the_apps_service_label_and_the_track(render: Render) -> None:
    monitoring = ("metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.forceRender=true")
    objects = render("canary-nginx", *monitoring)
    pod_tracks = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]["track"]
        for d in by_kind(objects, "Deployment")
    }
    assert pod_tracks["erp-system-gateway-canary"] != pod_tracks["erp-system-gateway"]
    for monitor in by_kind(objects, "ServiceMonitor"):
        spec = monitor["spec"]
        assert "track" in spec["podTargetLabels"]
        (endpoint,) = spec["endpoints"]
        assert endpoint["honorLabels"] is False
        restore, drop = endpoint["metricRelabelings"]
        assert (
            restore["sourceLabels"] == ["exported_service"] and restore["targetLabel"] == "service"
        )
        assert drop == {"regex": "exported_service", "action": "labeldrop"}
    honoured = render("canary-nginx", *monitoring, "metrics.serviceMonitor.honorLabels=true")
    for monitor in by_kind(honoured, "ServiceMonitor"):
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["honorLabels"] is True and "metricRelabelings" not in endpoint


def test_alerts_and_dashboard_compare_tracks(render: Render) -> None:
    objects = render(
        "default", "metrics.prometheusRule.enabled=true", "metrics.prometheusRule.forceRender=true"
    )
    (rule,) = by_kind(objects, "PrometheusRule")
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert "sum by (service, track)" in alerts["ErpHighErrorRate"]["expr"]
    assert "sum by (service, track, le)" in alerts["ErpHighLatency"]["expr"]
    assert "$labels.track" in alerts["ErpHighErrorRate"]["annotations"]["summary"]
    dashboard = json.loads((CHART / "files" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert any("by (service, track)" in e and 'status=~"5.."' in e for e in exprs)
    assert "track" in {v["name"] for v in dashboard["templating"]["list"]}


# --- one-shot pods, Dapr, schema, env ----------------------------------------------------


def test_migration_jobs_and_the_test_pod_follow_the_placement_values(render: Render) -> None:
    objects = render(
        "default",
        "defaults.nodeSelector.pool=erp",
        "defaults.tolerations[0].key=dedicated",
        "defaults.tolerations[0].operator=Exists",
        "defaults.priorityClassName=erp-critical",
        "defaults.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=kubernetes.io/arch",
        "defaults.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists",
    )
    one_shot = [h for o, h in pod_templates(objects) if o["kind"] in ("Job", "Pod")]
    assert len(one_shot) == 6  # four migration Jobs, the password sync Job, the helm test pod
    for holder in one_shot:
        spec = holder["spec"]
        assert spec["nodeSelector"] == {"pool": "erp"}
        assert spec["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
        assert spec["priorityClassName"] == "erp-critical"
        assert "nodeAffinity" in spec["affinity"] and "podAntiAffinity" not in spec["affinity"]


def test_dapr_sidecar_blocks_shutdown_while_the_app_drains(render: Render) -> None:
    for dep in by_kind(render("dapr"), "Deployment"):
        template = dep["spec"]["template"]
        notes = template["metadata"]["annotations"]
        container = template["spec"]["containers"][0]
        sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        drain = float(
            next(e["value"] for e in container["env"] if e["name"] == "ERP_DRAIN_TIMEOUT_SECONDS")
        )
        assert notes["dapr.io/block-shutdown-duration"] == f"{sleep + math.ceil(drain)}s"
        assert sleep + drain < template["spec"]["terminationGracePeriodSeconds"]


def test_migration_jobs_do_not_get_the_admin_password(render: Render) -> None:
    objects = render("default")
    migrations = [j for j in by_kind(objects, "Job") if "-migrate" in j["metadata"]["name"]]
    assert len(migrations) == 4
    for job in migrations:
        env = {e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert "ERP_ADMIN_PASSWORD" not in env, job["metadata"]["name"]
        assert "ERP_DATABASE_URL" in env
    gateway = find(objects, "Deployment", "erp-system-gateway")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert "ERP_ADMIN_PASSWORD" in {e["name"] for e in gateway["env"]}


def test_dapr_components_use_the_external_redis_database(render: Render) -> None:
    external = (
        "redis.enabled=false",
        "externalRedis.host=cache.example.com",
        "externalRedis.database=3",
    )
    for profile, sets, db in (("dapr", (), "0"), ("dapr", external, "3")):
        components = by_kind(render(profile, *sets), "Component")
        assert len(components) == 2
        for component in components:
            metadata = {m["name"]: m.get("value") for m in component["spec"]["metadata"]}
            assert metadata["redisDB"] == db
    secret = find(render("default", *external), "Secret", "erp-system")["stringData"]
    assert secret["redis-url"].endswith("@cache.example.com:6379/3")


@pytest.mark.parametrize(
    ("sets", "proto"), [((), "http"), (("ingress.tls.enabled=true",), "https")]
)
def test_forwarded_proto_follows_ingress_tls(
    render: Render, sets: tuple[str, ...], proto: str
) -> None:
    assert (
        find(render("default", *sets), "ConfigMap", "erp-system")["data"]["ERP_FORWARDED_PROTO"]
        == proto
    )
    assert (
        find(render("production-ha"), "ConfigMap", "erp-system")["data"]["ERP_FORWARDED_PROTO"]
        == "https"
    )


def test_passwords_in_urls_are_percent_encoded(render: Render, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    password = "pa ss+w/rd@1:x%y"
    values = tmp_path / "passwords.yaml"
    values.write_text(
        yaml.safe_dump(
            {"secrets": {"redisPassword": password, "databasePasswords": {"gateway": password}}}
        )
    )
    secret = find(render("default", values=(values,)), "Secret", "erp-system")["stringData"]
    for key in ("gateway-database-url", "redis-url"):
        url = secret[key]
        userinfo = urllib.parse.urlsplit(url).netloc.rpartition("@")[0]
        assert "+" not in userinfo and "%20" in userinfo, url
        assert urllib.parse.unquote(userinfo.partition(":")[2]) == password
    assert make_url(secret["gateway-database-url"]).password == password


def test_bundled_redis_caps_its_memory_and_rolls_with_its_password(render: Render) -> None:
    def redis(objects: list[dict]) -> dict:
        return find(objects, "StatefulSet", "erp-system-redis")["spec"]["template"]

    template = redis(render("default"))
    script = template["spec"]["containers"][0]["command"][2]
    assert "--maxmemory 201326592 --maxmemory-policy noeviction" in script  # 192Mi
    assert 201326592 < 256 * 1024 * 1024  # below the container's memory limit
    checksum = template["metadata"]["annotations"]["checksum/redis-password"]
    rotated = redis(render("default", "secrets.redisPassword=another-redis-password-0123456789"))
    assert rotated["metadata"]["annotations"]["checksum/redis-password"] != checksum
    unrelated = redis(render("default", "config.logLevel=DEBUG"))
    assert unrelated["metadata"]["annotations"]["checksum/redis-password"] == checksum


def test_the_chart_claims_kubernetes_1_38(helm_run) -> None:
    spec = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    assert "<1.39.0-0" in spec
    profile = str(PROFILES / "default-values.yaml")
    ok = helm_run("template", "erp-system", str(CHART), "--kube-version", "1.38.0", "-f", profile)
    assert ok.returncode == 0, ok.stderr


# --- TLS to an external PostgreSQL --------------------------------------------------------

TLS_DIR = "/etc/erp/db-tls"


def test_external_tls_profile_mounts_the_ca_and_names_it_in_the_urls(render: Render) -> None:
    objects = render("external-tls")
    secret = find(objects, "Secret", "erp-system")["stringData"]
    for service in ("gateway", "inventory", "finance", "reporting"):
        url = urllib.parse.urlsplit(secret[f"{service}-database-url"])
        assert urllib.parse.parse_qs(url.query) == {
            "sslmode": ["verify-full"],
            "sslrootcert": [f"{TLS_DIR}/ca.crt"],
        }
    workloads = [(o, h) for o, h in pod_templates(objects) if o["kind"] in ("Deployment", "Job")]
    assert len(workloads) == 8
    for owner, holder in workloads:
        spec = holder["spec"]
        volume = next(v for v in spec["volumes"] if v["name"] == "db-tls")
        assert volume["secret"]["secretName"] == "erp-db-ca"
        assert [i["key"] for i in volume["secret"]["items"]] == ["ca.crt"]
        mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "db-tls")
        assert mount == {"name": "db-tls", "mountPath": TLS_DIR, "readOnly": True}, owner[
            "metadata"
        ]["name"]


def test_client_certificates_and_backward_compatible_sslmode(render: Render) -> None:
    client = render("external-tls", "externalDatabase.tls.clientCertificate=true")
    url = find(client, "Secret", "erp-system")["stringData"]["gateway-database-url"]
    assert url.endswith(
        f"?sslmode=verify-full&sslrootcert={TLS_DIR}/ca.crt&sslcert={TLS_DIR}/tls.crt&sslkey={TLS_DIR}/tls.key"
    )
    volume = next(
        v
        for v in find(client, "Deployment", "erp-system-gateway")["spec"]["template"]["spec"][
            "volumes"
        ]
        if v["name"] == "db-tls"
    )
    assert [i["key"] for i in volume["secret"]["items"]] == ["ca.crt", "tls.crt", "tls.key"]
    # The older externalDatabase.sslMode alone still gives exactly what it gave, and no mount.
    plain = render(
        "external-tls",
        "externalDatabase.tls.enabled=false",
        "externalDatabase.tls.mode=",
        "externalDatabase.sslMode=require",
    )
    url = find(plain, "Secret", "erp-system")["stringData"]["gateway-database-url"]
    assert url.endswith("/erp_gateway?sslmode=require")
    assert all("db-tls" not in json.dumps(h) for _, h in pod_templates(plain))
    # tls.mode falls back to sslMode.
    fallback = render(
        "external-tls", "externalDatabase.tls.mode=", "externalDatabase.sslMode=verify-ca"
    )
    assert (
        "?sslmode=verify-ca&sslrootcert="
        in find(fallback, "Secret", "erp-system")["stringData"]["finance-database-url"]
    )

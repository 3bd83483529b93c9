"""Configuration, secrets, Dapr, network policy and migrations."""

from __future__ import annotations

from tests.chart.conftest import Render, by_kind, find, matches


def annotations(objects: list[dict], name: str = "erp-system-gateway") -> dict:
    return find(objects, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]


def test_config_checksum_changes_with_config_values(render: Render) -> None:
    base = annotations(render("default"))
    changed = annotations(render("default", "config.logLevel=DEBUG"))
    assert base["checksum/config"] != changed["checksum/config"]
    assert base["checksum/secret"] == changed["checksum/secret"]


def test_secret_checksum_changes_with_secret_values(render: Render) -> None:
    base = annotations(render("default"))
    changed = annotations(
        render("default", "secrets.jwtSecret=another-jwt-secret-0123456789abcdef")
    )
    assert base["checksum/secret"] != changed["checksum/secret"]
    assert base["checksum/config"] == changed["checksum/config"]
    other_secret = annotations(render("production-ha", "secrets.existingSecret=rotated-secret"))
    assert (
        other_secret["checksum/secret"] != annotations(render("production-ha"))["checksum/secret"]
    )


def test_each_service_gets_its_own_database_url(render: Render) -> None:
    objects = render("default")
    secret = find(objects, "Secret", "erp-system")["stringData"]
    for service in ("gateway", "inventory", "finance", "reporting"):
        url = secret[f"{service}-database-url"]
        assert url.startswith(f"postgresql://erp_{service}:") and url.endswith(
            f"@erp-system-postgresql:5432/erp_{service}"
        )
        container = find(objects, "Deployment", f"erp-system-{service}")["spec"]["template"][
            "spec"
        ]["containers"][0]
        ref = next(e for e in container["env"] if e["name"] == "ERP_DATABASE_URL")["valueFrom"][
            "secretKeyRef"
        ]
        assert ref == {"name": "erp-system", "key": f"{service}-database-url"}
        has_admin = any(e["name"] == "ERP_ADMIN_PASSWORD" for e in container["env"])
        assert has_admin == (service == "gateway")
    init = find(objects, "ConfigMap", "erp-system-postgresql-init")["data"]["10-erp-databases.sh"]
    for service in ("gateway", "inventory", "finance", "reporting"):
        password_file = f"/run/secrets/erp/{service}-database-password"
        assert f"create_database erp_{service} erp_{service} {password_file}" in init
    assert secret["redis-url"] == "redis://:ci-redis-password-0123456789@erp-system-redis:6379/0"


def test_service_urls_point_at_the_in_cluster_services(render: Render) -> None:
    data = find(render("default"), "ConfigMap", "erp-system")["data"]
    assert (
        data["ERP_INVENTORY_URL"] == "http://erp-system-inventory.erp-system.svc.cluster.local:8000"
    )
    assert data["ERP_EVENT_TRANSPORT"] == "redis"
    assert data["ERP_ENVIRONMENT"] == "production"


def test_external_db_uses_the_existing_secret_and_migrates_pre_install(render: Render) -> None:
    objects = render("external-db")
    assert not by_kind(objects, "Secret") and not by_kind(objects, "StatefulSet")
    upgrade = by_kind(render("external-db", flags=("--is-upgrade",)), "Job")
    assert len(upgrade) == 4
    for job in upgrade:
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-upgrade"
    assert len(by_kind(objects, "Job")) == 4
    for job in by_kind(objects, "Job"):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install"
        env = job["spec"]["template"]["spec"]["containers"][0]["env"]
        ref = next(e for e in env if e["name"] == "ERP_DATABASE_URL")["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "erp-system-external"
    policy = find(objects, "NetworkPolicy", "erp-system-inventory")
    assert {"ipBlock": {"cidr": "10.20.0.0/16"}} in policy["spec"]["egress"][1]["to"]


def test_migrations_wait_for_the_in_chart_database(render: Render) -> None:
    jobs = [
        j
        for j in by_kind(render("default"), "Job")
        if "erp-system/service" in j["metadata"]["labels"]
    ]
    assert sorted(j["metadata"]["name"] for j in jobs) == [
        f"erp-system-{s}-migrate-install" for s in ("finance", "gateway", "inventory", "reporting")
    ]
    for job in jobs:
        # Part of the first install, retried until PostgreSQL is up (never a post-install hook).
        assert "helm.sh/hook" not in job["metadata"]["annotations"]
        assert job["spec"]["ttlSecondsAfterFinished"] > 0
        spec = job["spec"]["template"]["spec"]
        assert spec["initContainers"][0]["name"] == "wait-for-database"
        assert spec["containers"][0]["args"] == [
            "migrate",
            job["metadata"]["labels"]["erp-system/service"],
        ]


def test_dapr_mode_switches_transport_and_annotates_pods(render: Render) -> None:
    objects = render("dapr")
    data = find(objects, "ConfigMap", "erp-system")["data"]
    assert data["ERP_EVENT_TRANSPORT"] == "dapr"
    assert (
        data["ERP_DAPR_PUBSUB_NAME"] == "pubsub"
        and data["ERP_DAPR_STATESTORE_NAME"] == "statestore"
    )
    notes = annotations(objects, "erp-system-finance")
    assert notes["dapr.io/enabled"] == "true" and notes["dapr.io/app-id"] == "erp-system-finance"
    assert notes["dapr.io/app-port"] == "8000"
    components = {c["metadata"]["name"]: c for c in by_kind(objects, "Component")}
    assert components["pubsub"]["spec"]["type"] == "pubsub.redis"
    assert components["statestore"]["spec"]["type"] == "state.redis"
    for component in components.values():
        password = next(m for m in component["spec"]["metadata"] if m["name"] == "redisPassword")
        assert password["secretKeyRef"] == {"name": "erp-system-secrets", "key": "redis-password"}
        assert len(component["scopes"]) == 4
    assert by_kind(objects, "Resiliency")
    policy = find(objects, "NetworkPolicy", "erp-system-finance")
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}
    assert {50001, 6500, 50005} <= ports


def test_network_policy_flows(render: Render) -> None:
    objects = render("default")
    deny = find(objects, "NetworkPolicy", "erp-system-default-deny")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny["spec"]
    labels = {
        s: find(objects, "Deployment", f"erp-system-{s}")["spec"]["template"]["metadata"]["labels"]
        for s in ("gateway", "inventory", "finance", "reporting")
    }

    def callers(service: str) -> set[str]:
        policy = find(objects, "NetworkPolicy", f"erp-system-{service}")
        found = set()
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                if "namespaceSelector" in peer:
                    continue
                found |= {s for s, lab in labels.items() if matches(peer["podSelector"], lab)}
        return found

    def controller_allowed(service: str) -> bool:
        policy = find(objects, "NetworkPolicy", f"erp-system-{service}")
        return any(
            p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            == "ingress-nginx"
            for rule in policy["spec"]["ingress"]
            for p in rule["from"]
        )

    assert callers("inventory") == {"gateway", "finance"}
    assert callers("finance") == {"gateway"} and callers("reporting") == {"gateway"}
    assert callers("gateway") == set()
    assert controller_allowed("gateway") and controller_allowed("reporting")
    assert not controller_allowed("inventory") and not controller_allowed("finance")
    finance_egress = find(objects, "NetworkPolicy", "erp-system-finance")["spec"]["egress"]
    reachable = {
        s
        for rule in finance_egress
        for peer in rule.get("to", [])
        for s, lab in labels.items()
        if "podSelector" in peer and matches(peer["podSelector"], lab)
    }
    assert reachable == {"inventory"}
    postgres = find(objects, "NetworkPolicy", "erp-system-postgresql")
    assert postgres["spec"]["ingress"][0]["ports"] == [{"port": "postgresql", "protocol": "TCP"}]


def test_stateful_stores_have_identity_and_volumes(render: Render) -> None:
    objects = render("default")
    for name in ("erp-system-postgresql", "erp-system-redis"):
        sts = find(objects, "StatefulSet", name)
        assert sts["spec"]["serviceName"] == f"{name}-hl"
        assert find(objects, "Service", f"{name}-hl")["spec"]["clusterIP"] == "None"
        assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
        container = sts["spec"]["template"]["spec"]["containers"][0]
        assert not [e for e in container.get("env", []) if "valueFrom" in e], (
            "passwords come from files"
        )
    images = {
        find(objects, "StatefulSet", n)["spec"]["template"]["spec"]["containers"][0]["image"]
        for n in ("erp-system-postgresql", "erp-system-redis")
    }
    assert images == {"docker.io/library/postgres:17.6", "docker.io/library/redis:8.2.1"}


def test_helm_test_pod_logs_in_and_reads_a_report(render: Render) -> None:
    pod = find(render("default"), "Pod", "erp-system-test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["spec"]["restartPolicy"] == "Never"
    script = pod["spec"]["containers"][0]["args"][0]
    assert "/auth/token" in script and "/api/reporting/reports/trial-balance" in script


def test_image_digest_pins_the_image(render: Render) -> None:
    digest = "sha256:" + "ab" * 32
    objects = render("default", f"image.digest={digest}")
    container = find(objects, "Deployment", "erp-system-gateway")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["image"] == f"ghcr.io/erp-system/erp:0.1.0@{digest}"
    assert container["imagePullPolicy"] == "IfNotPresent"
    skips = find(objects, "Deployment", "erp-system-gateway")["metadata"]["annotations"]
    assert not any(v.startswith("CKV_K8S_43") for v in skips.values())

"""Releases rehearsed under constant load through the gateway, with zero failed requests:
a rolling update, a blue-green switch and a canary at its rendered weight; each reports the
requests sent and failed and the longest time without a successful answer."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from erp.platform.auth import mint_token
from tests.contract.balancer import Balancer
from tests.contract.cluster import LocalCluster
from tests.contract.kubelet import terminate
from tests.contract.load import GapLoad
from tests.contract.manifests import Render, render
from tests.contract.pods import Pod, build_pod
from tests.contract.report import REPORT
from tests.contract.rollout import Endpoints, RollingUpdate, start_ready
from tests.contract.secrets import complete

MIN_REQUESTS = 5000
MAX_CONNECTION_AGE = 2  # seconds the gateway reuses a connection to a service (blue-green)
# The load comes from one user and one address: lift the gateway's per-user and per-IP limits
# through the chart's per-service env values, as an operator would for a load test.
UNLIMITED = (
    "--set",
    "services.gateway.env.ERP_RATE_LIMIT_USER_PER_SECOND=1000000",
    "--set",
    "services.gateway.env.ERP_RATE_LIMIT_IP_PER_SECOND=1000000",
)


def _deployments(r: Render, service: str) -> list[dict[str, Any]]:
    return [
        d
        for d in r.kind("Deployment")
        if d["spec"]["template"]["spec"]["containers"][0].get("args", [])[:2] == ["serve", service]
    ]


def _service_for(r: Render, workload: dict[str, Any]) -> dict[str, Any]:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    found = [
        s
        for s in r.services_selecting(labels)
        if not s["metadata"]["name"].endswith(("-preview", "-canary", "-headless"))
    ]
    assert found, f"no Service selects {workload['metadata']['name']}"
    return found[0]


def _migrate(cluster: LocalCluster, *services: str) -> None:
    for job in cluster.render.kind("Job"):
        args = job["spec"]["template"]["spec"]["containers"][0].get("args", [])
        if args[:1] == ["migrate"] and (len(args) == 1 or args[1] in services):
            code, log = cluster.run_job(job)
            assert code == 0, log


def _pod(cluster: LocalCluster, workload: dict[str, Any], index: int) -> Pod:
    pod = build_pod(cluster.render, workload, cluster.workdir, index=index)
    cluster.prepare_databases([pod])  # resolves the pod's env to local addresses
    cluster.pods.append(pod)
    return pod


@contextmanager
def _cluster(r: Render, tmp_path: Path) -> Iterator[LocalCluster]:
    cluster = LocalCluster(r, tmp_path)
    try:
        yield cluster
    finally:
        cluster.close()


def _headers(gateway: Pod) -> dict[str, str]:
    token = mint_token(
        gateway.env["ERP_JWT_SECRET"], subject="load", roles=["viewer"], ttl_seconds=3600
    )
    return {"Authorization": f"Bearer {token}"}


def _behind_balancer(cluster: LocalCluster, service: dict[str, Any]) -> Balancer:
    balancer = Balancer()
    balancer.start()
    cluster.addresses.services[service["metadata"]["name"]] = ("127.0.0.1", balancer.port)
    return balancer


def _gateway(cluster: LocalCluster) -> Pod:
    gateway = _pod(cluster, _deployments(cluster.render, "gateway")[0], 0)
    start_ready(gateway)
    return gateway


def test_rolling_update_of_inventory_under_load(tmp_path: Path) -> None:
    r = complete(render("default", *UNLIMITED))
    with _cluster(r, tmp_path) as cluster:
        inventory = _deployments(r, "inventory")[0]
        balancer = _behind_balancer(cluster, _service_for(r, inventory))
        _migrate(cluster, "inventory", "gateway")
        gateway = _gateway(cluster)
        old = [_pod(cluster, inventory, i) for i in range(int(inventory["spec"]["replicas"]))]
        for pod in old:
            start_ready(pod)
        endpoints = Endpoints(
            balancer, _service_for(r, inventory)["spec"]["selector"], pods=list(old)
        )
        endpoints.start()
        load = GapLoad(
            f"http://127.0.0.1:{gateway.ports['http']}/api/inventory/items", _headers(gateway)
        )
        load.start()
        try:
            load.run_until(300)
            rollout = RollingUpdate(
                inventory,
                endpoints,
                new_pod=lambda i: _pod(cluster, inventory, 100 + i),
                on_event=load.mark,
            )
            new = rollout.run(old)
            load.run_until(MIN_REQUESTS)
        finally:
            load.stop()
            endpoints.stop()
        assert load.sent >= MIN_REQUESTS
        assert load.failures == [], f"{load.statuses}\n{load.story()}"
        assert set(rollout.exit_codes.values()) == {0}, rollout.exit_codes
        assert all(p.running() for p in new) and len(new) == rollout.replicas
        REPORT.rehearsal(
            "rolling",
            "default",
            "inventory",
            load.sent,
            len(load.failures),
            f"surge {rollout.surge}, unavailable {rollout.unavailable}, "
            f"minReady {rollout.min_ready:.0f}s; " + ", ".join(rollout.events),
            gap=load.longest_gap,
        )


def _slot_selector(r: Render, service: str) -> tuple[dict[str, str], dict[str, str]]:
    main = [s for s in r.kind("Service") if s["metadata"]["name"].endswith(f"-{service}")]
    preview = [
        s for s in r.kind("Service") if s["metadata"]["name"].endswith(f"-{service}-preview")
    ]
    assert main and preview, f"blue-green renders {service} and {service}-preview Services"
    return main[0]["spec"]["selector"], preview[0]["spec"]["selector"]


def test_blue_green_switch_under_load(tmp_path: Path) -> None:
    flag = "services.inventory.blueGreen.activeSlot"
    age = (
        "--set",
        f"services.gateway.env.ERP_UPSTREAM_MAX_CONNECTION_AGE_SECONDS={MAX_CONNECTION_AGE}",
    )
    before = complete(render("blue-green", "--set", f"{flag}=blue", *UNLIMITED, *age))
    after = complete(render("blue-green", "--set", f"{flag}=green", *UNLIMITED, *age))
    active_before, preview_before = _slot_selector(before, "inventory")
    active_after, preview_after = _slot_selector(after, "inventory")
    assert active_before == preview_after and preview_before == active_after
    assert active_before != active_after
    with _cluster(before, tmp_path) as cluster:
        slots = _deployments(before, "inventory")
        assert len(slots) == 2, "one Deployment per slot"
        service = next(
            s for s in before.kind("Service") if s["spec"].get("selector") == active_before
        )
        balancer = _behind_balancer(cluster, service)
        _migrate(cluster, "inventory", "gateway")
        gateway = _gateway(cluster)
        pods = [
            _pod(cluster, slot, i) for slot in slots for i in range(int(slot["spec"]["replicas"]))
        ]
        for pod in pods:
            start_ready(pod)
        endpoints = Endpoints(balancer, active_before, pods=list(pods))
        endpoints.start()
        load = GapLoad(
            f"http://127.0.0.1:{gateway.ports['http']}/api/inventory/items", _headers(gateway)
        )
        load.start()
        try:
            load.run_until(MIN_REQUESTS // 2)
            served_before = dict(balancer.connections)
            endpoints.retarget(active_after)  # `helm upgrade --set ...activeSlot=green`
            switched = time.monotonic()
            load.run_until(MIN_REQUESTS)
            # Traffic follows the selector while the old slot still runs: the gateway reuses
            # a connection only up to its maximum age, then opens one through the Service.
            new_slot = [p.name for p in pods if endpoints.selects(p)]

            def moved() -> bool:
                return any(
                    balancer.connections.get(n, 0) > served_before.get(n, 0) for n in new_slot
                )

            while not moved() and time.monotonic() - switched < MAX_CONNECTION_AGE + 5:
                time.sleep(0.1)
            followed = time.monotonic() - switched
            assert moved(), f"no new connection reached {new_slot} in {followed:.1f}s"
            # The old slot is scaled down to its idle count once nothing routes to it.
            idle = {
                d["metadata"]["name"]: int(d["spec"]["replicas"])
                for d in _deployments(after, "inventory")
            }
            retired = [p for p in pods if not endpoints.selects(p)]
            keep = idle.get(retired[0].name.rsplit("-", 1)[0], 0) if retired else 0
            for pod in retired[keep:]:
                endpoints.begin_termination(pod)
                code, _ = terminate(pod)
                assert code == 0
            load.run_until(MIN_REQUESTS + 500)
        finally:
            load.stop()
            endpoints.stop()
        assert load.failures == [], load.failures[:5]
        REPORT.rehearsal(
            "blue-green",
            "blue-green",
            "inventory",
            load.sent,
            len(load.failures),
            f"selector {active_before} -> {active_after}; the new slot took connections "
            f"{followed:.1f}s after the switch, before the old one stopped",
            gap=load.longest_gap,
        )


def _served(pod: Pod) -> int:
    text = httpx.get(f"http://127.0.0.1:{pod.ports['http']}/metrics", timeout=5).text
    total = 0
    for line in text.splitlines():
        if (
            line.startswith("erp_http_requests_total{")
            and 'service="gateway"' in line
            and "/api/inventory" in line
        ):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def test_canary_gets_its_rendered_weight_under_load(tmp_path: Path) -> None:
    r = complete(render("canary-nginx", *UNLIMITED))
    canary_ingress = next(
        i
        for i in r.kind("Ingress")
        if i["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/canary") == "true"
        and re.search("gateway", repr(i["spec"]))
    )
    weight = int(
        canary_ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"]
    )
    backend = canary_ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    with _cluster(r, tmp_path) as cluster:
        inventory = _deployments(r, "inventory")
        _migrate(cluster, "inventory", "gateway")
        for pod in [_pod(cluster, d, 0) for d in inventory]:
            start_ready(pod)
        cluster.route_services_to_pods()
        gateways = _deployments(r, "gateway")
        canary_service = r.get("Service", backend)
        ingress = Balancer(weights={"stable": 100 - weight, "canary": weight})
        ingress.start()
        pods: list[Pod] = []
        for deployment in gateways:
            for i in range(int(deployment["spec"].get("replicas", 1))):
                pods.append(_pod(cluster, deployment, i))
        threads = [threading.Thread(target=start_ready, args=(p,)) for p in pods]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        canary_selector = canary_service["spec"]["selector"]

        def group(pod: Pod) -> str:
            is_canary = all(pod.labels.get(k) == v for k, v in canary_selector.items())
            return "canary" if is_canary else "stable"

        endpoints = Endpoints(ingress, {"app.kubernetes.io/component": "gateway"}, group, pods=pods)
        endpoints.start()
        load = GapLoad(
            f"http://127.0.0.1:{ingress.port}/api/inventory/items",
            _headers(pods[0]),
            new_connection_per_request=True,
        )
        load.start()
        try:
            load.run_until(MIN_REQUESTS)
        finally:
            load.stop()
            endpoints.stop()
        served = {p.name: _served(p) for p in pods}
        canary = sum(n for p, n in zip(pods, served.values(), strict=True) if group(p) == "canary")
        share = canary / max(sum(served.values()), 1)
        assert load.failures == [], load.failures[:5]
        assert {group(p) for p in pods} == {"stable", "canary"}
        assert abs(share - weight / 100) < 0.03, (share, weight, served)
        REPORT.rehearsal(
            "canary",
            "canary-nginx",
            "gateway",
            load.sent,
            len(load.failures),
            f"rendered weight {weight}%, observed {share:.1%}",
            gap=load.longest_gap,
        )

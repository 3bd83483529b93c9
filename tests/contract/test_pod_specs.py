"""Every rendered workload runs as its manifest says: env the code reads, migrations that
exit 0 twice, probes that pass within their budget, and termination inside the grace period
with in-flight work finished."""

from __future__ import annotations

import concurrent.futures
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from erp import registry
from erp.platform.settings import known_env_vars
from tests.contract.cluster import LocalCluster, app_workloads
from tests.contract.kubelet import await_ready, await_startup, probes, terminate
from tests.contract.manifests import Render, render
from tests.contract.pods import Pod
from tests.contract.report import REPORT
from tests.contract.secrets import complete

RUN_PROFILES = ["default", "production-ha", "minimal", "external-db", "blue-green", "canary-nginx"]
ENV_PROFILES = [*RUN_PROFILES, "dapr", "canary-httproute"]
# Set by Kubernetes or the Dapr sidecar injector, not by the chart's values.
PLATFORM_VARS = {"DAPR_HTTP_PORT", "DAPR_GRPC_PORT"}

# A request each service holds open during termination: headers now, body later.
IN_FLIGHT = {
    "inventory": ("/warehouses", "application/json", b'{"code": "HELD", "name": "in flight"}'),
    "gateway": (
        "/auth/token",
        "application/x-www-form-urlencoded",
        b"username=nobody&password=wrong-password",
    ),
    "finance": ("/accounts", "application/json", b'{"code": "9999", "name": "held"}'),
}


def _service_of(pod: Pod) -> str:
    return str(pod.container["args"][1])


def _containers(r: Render) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for kind in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        for obj in r.kind(kind):
            for container in obj["spec"]["template"]["spec"]["containers"]:
                found.append((f"{kind}/{obj['metadata']['name']}", container))
    return found


@pytest.mark.parametrize("profile", ENV_PROFILES)
def test_every_env_var_the_chart_sets_is_read_by_the_code(profile: str) -> None:
    known = known_env_vars(*registry.settings_classes())
    r = render(profile)
    checked = 0
    for where, container in _containers(r):
        if container.get("args", [None])[0] not in ("serve", "migrate"):
            continue  # PostgreSQL, Redis, agents: their images' own variables
        names = {e["name"] for e in container.get("env", [])}
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef") or source.get("secretRef")
            kind = "ConfigMap" if "configMapRef" in source else "Secret"
            if ref["name"] in {o["metadata"]["name"] for o in r.kind(kind)}:
                names |= {source.get("prefix", "") + k for k in r.config_map(kind, ref["name"])}
        unknown = sorted(n for n in names if n not in known and n not in PLATFORM_VARS)
        assert not unknown, f"{profile} {where} sets variables no code reads: {unknown}"
        checked += 1
    assert checked >= 4


def _hold_request(pod: Pod) -> socket.socket | None:
    spec = IN_FLIGHT.get(_service_of(pod))
    if spec is None:
        return None
    path, content_type, body = spec
    held = socket.create_connection(("127.0.0.1", pod.ports["http"]))
    held.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body[:5]
    )
    held.settimeout(60)
    return held


def _terminate_with_in_flight(pod: Pod) -> dict[str, Any]:
    held = _hold_request(pod)
    time.sleep(0.2)
    result: dict[str, Any] = {}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        stopping = pool.submit(terminate, pod)
        if held is not None:
            # Finish the body while the pod is in preStop / draining; the answer must arrive.
            time.sleep(1.0)
            assert pod.running(), f"{pod.name} exited with a request in flight"
            spec = IN_FLIGHT[_service_of(pod)]
            held.sendall(spec[2][5:])
            answer = held.recv(65536).decode(errors="replace")
            held.close()
            result["in_flight_status"] = int(answer.split(" ", 2)[1]) if answer else None
        result["exit_code"], result["seconds"] = stopping.result()
    grace = float(pod.spec.get("terminationGracePeriodSeconds", 30))
    result["grace"] = grace
    return result


@pytest.mark.parametrize("profile", RUN_PROFILES)
def test_workloads_start_probe_and_stop_as_rendered(profile: str, tmp_path: Path) -> None:
    r = complete(render(profile))
    cluster = LocalCluster(r, tmp_path)
    try:
        workloads = app_workloads(r)
        services = {w["spec"]["template"]["spec"]["containers"][0]["args"][1] for w in workloads}
        assert services == set(registry.names()), f"{profile} runs {services}"
        pods = cluster.pods_for(workloads)
        cluster.route_services_to_pods()
        cluster.prepare_databases(pods)

        jobs = [
            j
            for j in r.kind("Job")
            if j["spec"]["template"]["spec"]["containers"][0].get("args", [None])[0] == "migrate"
        ]
        assert jobs, f"{profile} renders no migration Job"
        for attempt in ("first run", "re-run"):
            for job in jobs:
                code, log = cluster.run_job(job)
                assert code == 0, f"{profile} {job['metadata']['name']} {attempt}:\n{log}"

        for pod in pods:
            pod.start()
        for pod in pods:
            startup = await_startup(pod)
            assert probes(pod)["liveness"].check(), f"{pod.name} liveness fails after startup"
            ready = await_ready(pod)
            assert not pod.isolation_problems(), pod.isolation_problems()
            REPORT.ready(profile, pod.name, startup, ready)

        with concurrent.futures.ThreadPoolExecutor(len(pods)) as pool:
            results = list(zip(pods, pool.map(_terminate_with_in_flight, pods), strict=True))
        for pod, result in results:
            assert result["exit_code"] == 0, f"{pod.name}: {result}\n{pod.tail()}"
            assert result["seconds"] < result["grace"], f"{pod.name}: {result}"
            if "in_flight_status" in result:
                status = result["in_flight_status"]
                assert status is not None and status < 500, f"{pod.name}: {result}"
            assert not pod.wrote_to_root_fs(), f"{pod.name} wrote {pod.wrote_to_root_fs()}"
            REPORT.stopped(profile, pod.name, result["seconds"], result["grace"])
    finally:
        cluster.close()

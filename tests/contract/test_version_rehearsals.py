"""Releases across two versions of the code, rehearsed under constant load through the gateway
with zero failed requests: N (this tree) and N+1 (this tree plus one expand migration of
inventory, see tests/contract/versions.py), told apart by their image tags.

1. rolling upgrade N -> N+1: N+1's migration Job runs first, N pods stay ready on the expanded
   schema while the Deployment controller replaces them;
2. rollback to N after N+1's migration: N's Job runs again and is a no-op, every N pod starts
   and becomes ready on the N+1 schema (which serves N);
3. a canary of N+1 at the rendered 20 % beside N (its own migration Job first);
4. a blue-green switch N -> N+1 -> N.

In process mode N+1 is a source tree; in container mode (ERP_CONTRACT_RUNTIME=container) it is an
image built from the contract image with N+1's migration added (tests/contract/versions.py), so
every pod and Job runs in a container of its release's image."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract import containers
from tests.contract.balancer import Balancer
from tests.contract.cluster import LocalCluster
from tests.contract.kubelet import terminate
from tests.contract.load import GapLoad
from tests.contract.manifests import Render, render
from tests.contract.pods import Pod
from tests.contract.report import REPORT
from tests.contract.rollout import Endpoints, RollingUpdate
from tests.contract.secrets import complete
from tests.contract.test_rehearsals import (
    UNLIMITED,
    _behind_balancer,
    _cluster,
    _deployments,
    _headers,
    _served,
    _service_for,
    _slot_selector,
)
from tests.contract.versions import (
    HEAD_N1,
    TAG_N,
    TAG_N1,
    Releases,
    build_n1_image,
    build_n1_tree,
    code_head,
    image_tag,
    inventory_state,
    readyz,
    remove_image,
    start_all,
)

WINDOW = 400  # requests per load window: short, the transitions are what is rehearsed
# Shorter rolls for a 2-core machine, set as an operator would through values; the shutdown
# (preStop sleep, drain) stays as shipped: a shorter preStop leaves less room for a loaded
# machine's endpoint removal, and that is not what these rehearsals are about.
FAST = (
    "--set",
    f"image.tag={TAG_N}",
    "--set",
    "services.inventory.minReadySeconds=2",
    *UNLIMITED,
)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Releases]:
    if not containers.enabled():
        yield Releases(trees={TAG_N1: build_n1_tree(tmp_path_factory.mktemp("release-n1"))})
        return
    started = time.monotonic()
    image, head_n = build_n1_image(containers.image())
    REPORT.note(f"N+1 image {image} built in {time.monotonic() - started:.1f}s")
    try:
        yield Releases(images={TAG_N1: image}, head_n=head_n)
    finally:
        containers.sweep()  # containers of the N+1 image go first
        remove_image(image)


@pytest.fixture(scope="module", autouse=True)
def _code_heads(releases: Releases) -> None:
    """The tag -> release mapping gives each release the inventory head it is meant to have."""

    def pod(tag: str) -> Pod:
        declared = Pod(tag, {}, {"image": f"erp:{tag}"}, {}, {}, {}, Path("."))
        if containers.enabled():
            declared = containers.as_container(declared, Render([], "none"))
        return releases.place(declared)

    assert (code_head(pod(TAG_N)), code_head(pod(TAG_N1))) == (releases.head_n, HEAD_N1)


class Jobs:
    """The migration Jobs of the cluster's current render, run with their release's tree."""

    def __init__(self, cluster: LocalCluster, releases: Releases) -> None:
        self.cluster, self.releases, self.count = cluster, releases, 0

    def run(self, service: str, *, tag: str | None = None, track: str | None = None) -> str:
        ran = []
        for job in self.cluster.render.kind("Job"):
            container = job["spec"]["template"]["spec"]["containers"][0]
            labels = job["spec"]["template"]["metadata"]["labels"]
            if container.get("args", [])[:2] != ["migrate", service]:
                continue
            if tag is not None and image_tag(container) != tag:
                continue
            if track is not None and labels.get("track") != track:
                continue
            self.count += 1
            code, log = self.releases.run_job(self.cluster, job, 1000 + self.count)
            assert code == 0, f"{job['metadata']['name']} exited {code}:\n{log}"
            ran.append(log)
        assert ran, f"no migration Job of {service} (tag {tag}, track {track}) rendered"
        return "\n".join(ran)


def _only(r: Render, service: str, tag: str) -> dict[str, Any]:
    found = [
        d
        for d in _deployments(r, service)
        if image_tag(d["spec"]["template"]["spec"]["containers"][0]) == tag
    ]
    assert len(found) == 1, [d["metadata"]["name"] for d in found]
    return found[0]


def _ready(pods: list[Pod]) -> None:
    for pod in pods:
        status, body = readyz(pod)
        assert status == 200, (pod.name, body)


def _figures(load: GapLoad) -> tuple[int, int, float]:
    return load.checkpoint()


def _window(load: GapLoad, requests: int = WINDOW) -> None:
    load.run_until(load.sent + requests)


def _gateway(cluster: LocalCluster, releases: Releases, deployment: dict[str, Any]) -> Pod:
    gateway = releases.pod(cluster, deployment, 0)
    start_all([gateway])
    return gateway


def _load(gateway: Pod) -> GapLoad:
    return GapLoad(
        f"http://127.0.0.1:{gateway.ports['http']}/api/inventory/items", _headers(gateway)
    )


def test_rolling_upgrade_to_n1_and_rollback_to_n(releases: Releases, tmp_path: Path) -> None:
    install = complete(render("default", *FAST))
    upgrade = complete(
        render("default", "--is-upgrade", *FAST, "--set", f"services.inventory.image.tag={TAG_N1}")
    )
    rollback = complete(render("default", "--is-upgrade", *FAST))  # N's manifests again
    inventory_n, inventory_n1 = (
        _only(install, "inventory", TAG_N),
        _only(upgrade, "inventory", TAG_N1),
    )
    selector = _service_for(install, inventory_n)["spec"]["selector"]
    assert selector == _service_for(upgrade, inventory_n1)["spec"]["selector"]
    with _cluster(install, tmp_path) as cluster:
        jobs = Jobs(cluster, releases)
        balancer = _behind_balancer(cluster, _service_for(install, inventory_n))
        jobs.run("gateway")
        jobs.run("inventory", tag=TAG_N)
        gateway = _gateway(cluster, releases, _deployments(install, "gateway")[0])
        old = [
            releases.pod(cluster, inventory_n, i)
            for i in range(int(inventory_n["spec"]["replicas"]))
        ]
        start_all(old)
        assert inventory_state(old[0]).revision == releases.head_n
        endpoints = Endpoints(balancer, selector, pods=list(old))
        endpoints.start()
        load = _load(gateway)
        load.start()
        try:
            _window(load)
            # 1. `helm upgrade` to N+1: the pre-upgrade Job of N+1 migrates, then the roll.
            cluster.render = upgrade
            load.mark("N+1 migration Job")
            jobs.run("inventory", tag=TAG_N1)
            state = inventory_state(old[0])
            assert state.revision == HEAD_N1 and {releases.head_n, HEAD_N1} <= state.served, state
            _ready(old)  # N serves the expanded schema: nothing leaves the endpoints
            roll = RollingUpdate(
                inventory_n1,
                endpoints,
                new_pod=lambda i: releases.pod(cluster, inventory_n1, 100 + i),
            )
            load.mark("roll to N+1")
            new = roll.run(list(old))
            load.mark("rolled to N+1")
            _window(load)
            assert all(releases.is_n1(p) for p in new) and len(new) == roll.replicas
            _ready(new)
            upgraded = _figures(load), roll

            # 2. Back to N after N+1's migration: N's Job again (a no-op), N's pods again.
            cluster.render = rollback
            load.mark("N migration Job again")
            log = jobs.run("inventory", tag=TAG_N)
            assert "schema_ahead_serves_this_code" in log, log
            assert inventory_state(new[0]).revision == HEAD_N1  # untouched
            back = RollingUpdate(
                _only(rollback, "inventory", TAG_N),
                endpoints,
                new_pod=lambda i: releases.pod(
                    cluster, _only(rollback, "inventory", TAG_N), 200 + i
                ),
            )
            load.mark("roll back to N")
            restored = back.run(list(new))
            load.mark("rolled back to N")
            _window(load)
            assert not any(releases.is_n1(p) for p in restored) and len(restored) == back.replicas
            _ready(restored)
            rolled_back = _figures(load), back
        finally:
            load.stop()
            endpoints.stop()
        assert load.failures == [], (load.statuses, load.story())
        for (sent, failed, _gap), rollout in (upgraded, rolled_back):
            assert failed == 0 and sent >= WINDOW
            assert set(rollout.exit_codes.values()) == {0}, rollout.exit_codes
        REPORT.rehearsal(
            "rolling N->N+1",
            "default",
            "inventory",
            upgraded[0][0],
            upgraded[0][1],
            f"N+1 Job migrated {releases.head_n}->{HEAD_N1}, N pods stayed ready; "
            + ", ".join(upgraded[1].events),
            gap=upgraded[0][2],
        )
        REPORT.rehearsal(
            "rollback N+1->N",
            "default",
            "inventory",
            rolled_back[0][0],
            rolled_back[0][1],
            f"N Job no-op at {HEAD_N1}, "
            f"{len(restored)} N pods ready on it; " + ", ".join(rolled_back[1].events),
            gap=rolled_back[0][2],
        )


def test_canary_of_n1_at_its_rendered_weight(releases: Releases, tmp_path: Path) -> None:
    r = complete(
        render(
            "canary-nginx",
            "--is-upgrade",
            *FAST,
            "--set",
            f"services.gateway.canary.tag={TAG_N1}",
            "--set",
            f"services.inventory.canary.tag={TAG_N1}",
            "--set",
            f"services.reporting.canary.tag={TAG_N1}",
            # One stable pod each: the split is the Ingress's weight, not a replica count.
            "--set",
            "services.gateway.replicaCount=1",
            "--set",
            "services.inventory.replicaCount=1",
        )
    )
    canary_ingress = next(
        i
        for i in r.kind("Ingress")
        if i["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/canary") == "true"
        and "gateway" in repr(i["spec"])
    )
    weight = int(
        canary_ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"]
    )
    assert weight == 20
    backend = canary_ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    canary_selector = r.get("Service", backend)["spec"]["selector"]
    inventory_service = _service_for(r, _only(r, "inventory", TAG_N))
    with _cluster(r, tmp_path) as cluster:
        jobs = Jobs(cluster, releases)
        inventory_lb = _behind_balancer(cluster, inventory_service)
        # N serves first: the stable release's Jobs, its pods, load through its gateways.
        jobs.run("gateway", tag=TAG_N)
        jobs.run("inventory", tag=TAG_N)
        stable_inventory = [
            releases.pod(cluster, _only(r, "inventory", TAG_N), i)
            for i in range(int(_only(r, "inventory", TAG_N)["spec"]["replicas"]))
        ]
        gateway_n = _only(r, "gateway", TAG_N)
        stable_gateways = [
            releases.pod(cluster, gateway_n, i) for i in range(int(gateway_n["spec"]["replicas"]))
        ]
        start_all(stable_inventory + stable_gateways)

        def group(pod: Pod) -> str:
            is_canary = all(pod.labels.get(k) == v for k, v in canary_selector.items())
            return "canary" if is_canary else "stable"

        inventory_endpoints = Endpoints(
            inventory_lb, inventory_service["spec"]["selector"], pods=list(stable_inventory)
        )
        inventory_endpoints.start()
        ingress = Balancer(weights={"stable": 100 - weight, "canary": weight})
        ingress.start()
        gateway_endpoints = Endpoints(
            ingress,
            {"app.kubernetes.io/component": "gateway"},
            group,
            pods=list(stable_gateways),
        )
        gateway_endpoints.start()
        load = GapLoad(
            f"http://127.0.0.1:{ingress.port}/api/inventory/items",
            _headers(stable_gateways[0]),
            new_connection_per_request=True,
        )
        load.start()
        try:
            _window(load, 200)
            # The canary's Jobs under load (N+1 expands the schema; N stays ready), its pods.
            load.mark("canary migration Jobs")
            jobs.run("gateway", tag=TAG_N1)
            jobs.run("inventory", tag=TAG_N1)
            load.mark("canary pods")
            assert inventory_state(stable_inventory[0]).revision == HEAD_N1
            _ready(stable_inventory)
            canaries = [
                releases.pod(cluster, d, 0)
                for d in (_only(r, "inventory", TAG_N1), _only(r, "gateway", TAG_N1))
            ]
            assert all(releases.is_n1(p) for p in canaries)
            start_all(canaries)
            inventory_endpoints.pods.append(canaries[0])
            gateway_endpoints.pods.append(canaries[1])
            deadline = time.monotonic() + 30
            while not {p.name for p in canaries} <= (
                set(ingress.endpoints) | set(inventory_lb.endpoints)
            ):
                assert time.monotonic() < deadline, "the canaries never joined their endpoints"
                time.sleep(0.2)
            gateways = [*stable_gateways, canaries[1]]
            before = {p.name: _served(p) for p in gateways}
            load.checkpoint()
            load.run_until(load.sent + 2500)
            sent, failed, gap = load.checkpoint()
            after = {p.name: _served(p) for p in gateways}
        finally:
            load.stop()
            gateway_endpoints.stop()
            inventory_endpoints.stop()
        served = {n: after[n] - before[n] for n in after}
        canary_share = served[canaries[1].name] / max(sum(served.values()), 1)
        assert load.failures == [], (load.statuses, load.story())
        assert abs(canary_share - weight / 100) < 0.04, (canary_share, served)
        REPORT.rehearsal(
            "canary N+1",
            "canary-nginx",
            "gateway+inventory",
            sent,
            failed,
            f"rendered weight {weight}%, N+1 gateway served "
            f"{canary_share:.1%}; N+1 inventory canary 1 of {len(stable_inventory) + 1} "
            f"endpoints ({inventory_lb.connections.get(canaries[0].name, 0)} connections); "
            f"N stayed ready at {HEAD_N1}",
            gap=gap,
        )


def _slot_pods(r: Render, tag: str) -> int:
    return int(_only(r, "inventory", tag)["spec"]["replicas"])


def test_blue_green_switch_to_n1_and_back(releases: Releases, tmp_path: Path) -> None:
    """Slots: blue runs N, green N+1. Each switch is two `helm upgrade`s as an operator makes
    them: flip activeSlot with the old slot scaled to 0 (idleReplicas=0), then, to go back,
    scale the old slot up again (idleReplicas unset: as many as the live slot) and flip."""
    flag = "services.inventory.blueGreen"

    def slots(active: str, *idle: str) -> Render:
        return complete(
            render(
                "blue-green",
                "--is-upgrade",
                *FAST,
                "--set",
                "services.inventory.replicaCount=1",
                "--set",
                f"{flag}.blue.tag={TAG_N}",
                "--set",
                f"{flag}.green.tag={TAG_N1}",
                "--set",
                f"{flag}.activeSlot={active}",
                *idle,
            )
        )

    staged = slots("blue", "--set", f"{flag}.idleReplicas=null")  # green staged for preview
    switched = slots("green", "--set", f"{flag}.idleReplicas=0")  # blue scaled down
    restaged = slots("green", "--set", f"{flag}.idleReplicas=null")  # blue back for preview
    back = slots("blue", "--set", f"{flag}.idleReplicas=0")  # green scaled down
    on_blue, _ = _slot_selector(staged, "inventory")
    on_green, _ = _slot_selector(switched, "inventory")
    assert on_blue != on_green
    assert [_slot_pods(r, TAG_N) for r in (staged, switched, restaged, back)] == [1, 0, 1, 1]
    assert [_slot_pods(r, TAG_N1) for r in (staged, switched, restaged, back)] == [1, 1, 1, 0]
    slot_n, slot_n1 = _only(staged, "inventory", TAG_N), _only(staged, "inventory", TAG_N1)
    with _cluster(staged, tmp_path) as cluster:
        jobs = Jobs(cluster, releases)
        service = next(s for s in staged.kind("Service") if s["spec"].get("selector") == on_blue)
        balancer = _behind_balancer(cluster, service)
        jobs.run("gateway", tag=TAG_N)
        jobs.run("inventory", tag=TAG_N)
        gw = _gateway(cluster, releases, _only(staged, "gateway", TAG_N))
        pod_n = releases.pod(cluster, slot_n, 0)
        start_all([pod_n])
        endpoints = Endpoints(balancer, on_blue, pods=[pod_n])
        endpoints.start()
        load = _load(gw)
        load.start()

        def retire(pod: Pod) -> None:
            endpoints.begin_termination(pod)
            code, _ = terminate(pod)
            assert code == 0, pod.tail()

        try:
            _window(load, 200)
            # N+1's slot is prepared under load: its Job expands the schema, N stays live.
            load.mark("green (N+1) migration Job")
            jobs.run("inventory", tag=TAG_N1)
            assert inventory_state(pod_n).revision == HEAD_N1
            _ready([pod_n])
            pod_n1 = releases.pod(cluster, slot_n1, 0)
            assert releases.is_n1(pod_n1)
            load.mark("green (N+1) pod")
            start_all([pod_n1])
            endpoints.pods.append(pod_n1)
            _window(load, 200)
            load.mark("switch to green (N+1), blue scaled to 0")
            before = balancer.connections.get(pod_n1.name, 0)
            endpoints.retarget(on_green)
            retire(pod_n)
            _window(load, WINDOW)
            to_n1 = balancer.connections.get(pod_n1.name, 0) - before
            # Back: blue (N) scaled up again on the N+1 schema (its Job a no-op), then flipped.
            cluster.render = restaged
            load.mark("blue (N) Job again, blue pod")
            log = jobs.run("inventory", tag=TAG_N)
            assert "schema_ahead_serves_this_code" in log, log
            again = releases.pod(cluster, _only(restaged, "inventory", TAG_N), 1)
            start_all([again])
            endpoints.pods.append(again)
            _window(load, 200)
            load.mark("switch back to blue (N), green scaled to 0")
            endpoints.retarget(on_blue)
            retire(pod_n1)
            _window(load, WINDOW)
            to_n = balancer.connections.get(again.name, 0)
            sent, failed, gap = load.checkpoint()
        finally:
            load.stop()
            endpoints.stop()
        assert load.failures == [], (load.statuses, load.story())
        assert to_n1 > 0 and to_n > 0, (to_n1, to_n, balancer.connections)
        assert inventory_state(again).revision == HEAD_N1
        _ready([again])
        REPORT.rehearsal(
            "blue-green N->N+1->N",
            "blue-green",
            "inventory",
            sent,
            failed,
            f"track blue (N) -> green (N+1) -> blue (N) with the "
            f"old slot scaled to 0 each time; connections to N+1 {to_n1}, back to N {to_n}",
            gap=gap,
        )

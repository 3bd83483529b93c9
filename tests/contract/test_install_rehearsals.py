"""First installs in the order the deployment tools use, from the annotations as rendered
(tests/contract/install.py): `helm install --wait --wait-for-jobs` and an Argo CD sync, each
converging with no post-install hook run first, then `helm test` and load through the gateway.

1. Helm: the migration Jobs of a first install are objects of the release, created together with
   the Deployments; the pods run unready until their schema is there, the wait returns once the
   Jobs are complete and the Deployments available, and the rendered `helm test` pod passes.
   With an external database and an existing Secret the Jobs are pre-install hooks instead,
   each waited for before anything else is created.
2. The same chart with `migrations.installPhase=post-install`: the wait can never end (the
   control that the harness sees a deadlock when there is one).
3. Argo CD: the Jobs are Sync hooks in the one wave, so the first sync converges; a second sync
   runs them again (deleted and re-created) under load through the gateway, zero failed requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.contract.cluster import LocalCluster
from tests.contract.install import (
    Deadlock,
    Installer,
    Step,
    argocd_phase,
    argocd_sync_steps,
    helm_install_steps,
)
from tests.contract.load import GapLoad
from tests.contract.manifests import Render, render
from tests.contract.pods import build_pod
from tests.contract.report import REPORT
from tests.contract.secrets import complete
from tests.contract.test_rehearsals import UNLIMITED, _headers

WINDOW = 1000  # requests through the gateway once installed


@contextmanager
def _installer(r: Render, tmp_path: Path) -> Iterator[Installer]:
    cluster = LocalCluster(r, tmp_path)
    installer = Installer(cluster)
    try:
        yield installer
    finally:
        installer.close()
        cluster.close()


def _migration_jobs(objects: list[dict[str, Any]]) -> list[str]:
    return [
        o["metadata"]["name"]
        for o in objects
        if o["kind"] == "Job"
        and o["spec"]["template"]["spec"]["containers"][0].get("args", [None])[0] == "migrate"
    ]


def _helm_test(installer: Installer) -> str:
    """Run the rendered `helm test` pod (it signs in as the admin the gateway created once its
    schema arrived, then reads through the gateway); returns its last line."""
    (pod_obj,) = [
        o
        for o in installer.cluster.render.kind("Pod")
        if "test" in (o["metadata"].get("annotations") or {}).get("helm.sh/hook", "")
    ]
    workload = {"metadata": pod_obj["metadata"], "spec": {"template": pod_obj}}
    pod = build_pod(installer.cluster.render, workload, installer.cluster.workdir, index=999)
    installer.cluster.prepare_databases([pod])
    installer.cluster.pods.append(pod)
    pod.start()
    assert pod.proc is not None
    code = pod.proc.wait(60)
    assert code == 0, f"helm test failed ({code}):\n{pod.tail()}"
    return pod.tail().strip().splitlines()[-1]


def _gateway_load(installer: Installer) -> GapLoad:
    (service,) = [n for n in installer.balancers if n.endswith("-gateway")]
    gateway = installer.pods[service][0].pod  # the Deployment and its Service share the name
    return GapLoad(
        f"http://127.0.0.1:{installer.balancers[service].port}/api/inventory/items",
        _headers(gateway),
    )


def _schema_waits(installer: Installer) -> int:
    """Pods seen unready on their schema before the migrations were done."""
    return sum(1 for states in installer.pods.values() for s in states if "migrations" in s.readyz)


@pytest.mark.parametrize("profile", ["default", "external-db"])
def test_first_install_converges_under_helm_wait(profile: str, tmp_path: Path) -> None:
    r = complete(render(profile, *UNLIMITED))
    steps = helm_install_steps(r)
    jobs = _migration_jobs(r.objects)
    assert jobs and not [s for s in steps if s.name.startswith("post-install")]
    release = next(s for s in steps if s.name.startswith("release objects"))
    if profile == "default":  # the Jobs are objects of the release, created with the pods
        assert set(jobs) <= {o["metadata"]["name"] for o in release.objects}
    else:  # everything they read exists beforehand: pre-install hooks, each waited for
        assert [s.name for s in steps[: len(jobs)]] == [f"pre-install hook Job/{j}" for j in jobs]
    with _installer(r, tmp_path) as installer:
        waited = installer.play(steps)
        ready = {name: len(states) for name, states in installer.pods.items()}
        assert all(installer.deployment_available(d) for d in ready), installer.events
        assert all(installer.jobs[j].state == "complete" for j in jobs)
        tested = _helm_test(installer)
        load = _gateway_load(installer)
        load.start()
        try:
            load.run_until(WINDOW)
        finally:
            load.stop()
    assert load.failures == [], (load.statuses, load.story())
    REPORT.rehearsal(
        "first install (helm --wait)",
        profile,
        "all",
        load.sent,
        len(load.failures),
        "; ".join(f"{name} {seconds:.1f}s" for name, seconds in waited)
        + f"; {len(jobs)} migration Jobs complete, {sum(ready.values())} pods of "
        f"{len(ready)} Deployments available ({_schema_waits(installer)} seen unready on the "
        f"schema first), no post-install hook; helm test: {tested}; load after the wait",
        gap=load.longest_gap,
    )


def test_post_install_migrations_would_deadlock_the_wait(tmp_path: Path) -> None:
    """The control: with the Jobs as post-install hooks, Helm waits for pods that wait for them.
    The harness must say so, not time out or pass."""
    r = complete(
        render(
            "default",
            "--set",
            "migrations.installPhase=post-install",
            "--set",
            "defaults.replicaCount=1",
        )
    )
    steps = helm_install_steps(r)
    assert [s.name for s in steps if s.name.startswith("post-install")]
    with _installer(r, tmp_path) as installer, pytest.raises(Deadlock) as found:
        installer.play(steps)
    message = str(found.value)
    assert message.startswith("release objects, then --wait: waits for ")
    for job in _migration_jobs(r.objects):
        assert f"Job/{job}" in message
    REPORT.rehearsal(
        "post-install control",
        "default",
        "all",
        0,
        0,
        "deadlock seen as expected: " + message[:160] + "...",
    )


def test_argocd_first_sync_converges_and_a_resync_migrates_under_load(tmp_path: Path) -> None:
    r = complete(render("default", *UNLIMITED))
    steps = argocd_sync_steps(r)
    # As rendered: no sync waves, the Jobs are Sync hooks applied with everything else; the
    # helm test pod is a hook Argo CD does not run.
    assert [s.name for s in steps] == ["Sync wave 0"]
    assert [o for o in r.objects if argocd_phase(o) is None] == r.kind("Pod")
    hooks = [o for o in steps[0].objects if o["kind"] == "Job"]
    assert {o["metadata"]["annotations"]["argocd.argoproj.io/hook"] for o in hooks} == {"Sync"}
    with _installer(r, tmp_path) as installer:
        first = installer.play(steps)
        tested = _helm_test(installer)
        load = _gateway_load(installer)
        load.start()
        try:
            load.run_until(WINDOW // 2)
            load.mark("second sync")
            resync: list[tuple[str, float]] = installer.play(
                [Step(f"re-{s.name}", s.objects) for s in argocd_sync_steps(r)]
            )
            load.mark("synced")
            load.run_until(load.sent + WINDOW // 2)
        finally:
            load.stop()
        reruns = [
            j for j in _migration_jobs(r.objects) if len(installer.jobs[j].attempts) == 1
        ]  # a re-created hook starts with a fresh record
    assert load.failures == [], (load.statuses, load.story())
    assert sorted(reruns) == sorted(_migration_jobs(r.objects))
    REPORT.rehearsal(
        "first sync + re-sync (Argo CD)",
        "default",
        "all",
        load.sent,
        len(load.failures),
        f"first sync: {first[0][0]} healthy in {first[0][1]:.1f}s, {len(hooks)} Sync hook Jobs "
        f"complete; helm test (by hand): {tested}; second sync under load: "
        f"{len(reruns)} migration hooks re-created and complete in {resync[0][1]:.1f}s, "
        "pods untouched",
        gap=load.longest_gap,
    )

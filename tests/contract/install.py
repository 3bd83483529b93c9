"""A first install played in the order a deployment tool uses, against the local cluster.

The rendered objects are split into the steps the tool takes, from their annotations as
rendered, and played one after the other: each step's objects are created together, then the
tool waits for them, and only then does the next step begin.

- `helm install --wait --wait-for-jobs`: each pre-install hook alone (by hook weight, kind,
  name), Helm waiting for it; then every object of the release at once, and the wait: every
  Deployment available, every Job complete; only then the post-install hooks, each alone.
  Test hooks are not part of an install.
- Argo CD (its sync of `helm template` output): phases PreSync, Sync, PostSync, each in waves
  (`argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`); a wave is applied at once and
  must be healthy (Jobs complete) before the next begins. An object's Argo CD hook annotation
  wins over its Helm hook; Helm's pre-install and pre-upgrade map to PreSync, post-install and
  post-upgrade to PostSync; any other Helm hook (test) is skipped; an object without a hook is
  applied in the Sync phase.

What each object does when created, here: a Deployment starts its replicas (the kubelet runs
the startup probe, then readiness at its period; the endpoints controller puts ready pods behind
the Service's local balancer); a Job of the erp image runs `erp migrate` pods until one exits 0,
at most backoffLimit + 1 of them (the retry delay shortened to a second); this machine's
PostgreSQL and Redis stand in for the chart's StatefulSets and are up from the start, and the
password sync Job (the postgres image, role passwords that mean nothing under trust auth here)
completes at once. Every other kind is only recorded.

A wait that can no longer end is reported as a deadlock rather than timed out: every Job of the
step has finished, and each Deployment it waits for has pods that passed their startup probe
but whose `/readyz` fails on the schema alone (`migrations`); only a migration changes that, and
none runs before the wait returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.contract.balancer import Balancer
from tests.contract.cluster import LocalCluster
from tests.contract.kubelet import probes
from tests.contract.manifests import Render
from tests.contract.pods import Pod, build_pod
from tests.contract.rollout import Endpoints

HELM_HOOK, HELM_WEIGHT = "helm.sh/hook", "helm.sh/hook-weight"
ARGO_HOOK, ARGO_WAVE = "argocd.argoproj.io/hook", "argocd.argoproj.io/sync-wave"
ARGO_DELETE = "argocd.argoproj.io/hook-delete-policy"
ARGO_PHASES = ("PreSync", "Sync", "PostSync")
HELM_TO_ARGO = {
    "pre-install": "PreSync",
    "pre-upgrade": "PreSync",
    "post-install": "PostSync",
    "post-upgrade": "PostSync",
}
# Helm's InstallOrder (kinds not listed come last), also close to Argo CD's kind order.
KIND_ORDER = [
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
    "Role", "RoleBinding", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
    "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass",
    "Ingress", "APIService",
]  # fmt: skip
JOB_RETRY_SECONDS = 1.0  # the Job controller's first back-off is 10 s; the order is what counts
STALL_PROBES = 3  # failed readiness probes of each waiting pod once nothing is left to run


class Deadlock(AssertionError):
    """The tool would wait until its timeout: what it waits for can never happen."""


def _notes(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def _kind_rank(obj: dict[str, Any]) -> tuple[int, str]:
    kind = obj["kind"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, obj["metadata"]["name"]


def ref(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@dataclass
class Step:
    """Objects a tool creates together, then waits for before its next step."""

    name: str
    objects: list[dict[str, Any]]

    def refs(self) -> list[str]:
        return [ref(o) for o in self.objects]


def helm_install_steps(render: Render) -> list[Step]:
    pre: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    post: list[dict[str, Any]] = []
    for obj in render.objects:
        hooks = [h.strip() for h in _notes(obj).get(HELM_HOOK, "").split(",") if h.strip()]
        if not hooks:
            resources.append(obj)
        elif "pre-install" in hooks:
            pre.append(obj)
        elif "post-install" in hooks:
            post.append(obj)
        # any other hook (test, pre-upgrade, ...) is not part of an install

    def hook_order(obj: dict[str, Any]) -> tuple[int, tuple[int, str]]:
        return int(_notes(obj).get(HELM_WEIGHT, "0")), _kind_rank(obj)

    steps = [Step(f"pre-install hook {ref(o)}", [o]) for o in sorted(pre, key=hook_order)]
    steps.append(Step("release objects, then --wait", sorted(resources, key=_kind_rank)))
    steps += [Step(f"post-install hook {ref(o)}", [o]) for o in sorted(post, key=hook_order)]
    return steps


def argocd_phase(obj: dict[str, Any]) -> str | None:
    """The sync phase an object is applied in, or None when Argo CD skips it."""
    notes = _notes(obj)
    if ARGO_HOOK in notes:
        phases = [p.strip() for p in notes[ARGO_HOOK].split(",")]
        found = [p for p in phases if p in ARGO_PHASES]
        return found[0] if found else None  # Skip, SyncFail, PostDelete: not in a sync
    if HELM_HOOK in notes:
        mapped = [
            HELM_TO_ARGO[h.strip()]
            for h in notes[HELM_HOOK].split(",")
            if h.strip() in HELM_TO_ARGO
        ]
        return mapped[0] if mapped else None  # unsupported Helm hooks (test) are skipped
    return "Sync"


def argocd_wave(obj: dict[str, Any]) -> int:
    notes = _notes(obj)
    return int(notes.get(ARGO_WAVE, notes.get(HELM_WEIGHT, "0")))


def is_argocd_hook(obj: dict[str, Any]) -> bool:
    notes = _notes(obj)
    return ARGO_HOOK in notes or any(
        h.strip() in HELM_TO_ARGO for h in notes.get(HELM_HOOK, "").split(",")
    )


def argocd_sync_steps(render: Render) -> list[Step]:
    waves: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for obj in render.objects:
        phase = argocd_phase(obj)
        if phase is not None:
            waves.setdefault((ARGO_PHASES.index(phase), argocd_wave(obj)), []).append(obj)
    return [
        Step(f"{ARGO_PHASES[phase]} wave {wave}", sorted(objects, key=_kind_rank))
        for (phase, wave), objects in sorted(waves.items())
    ]


@dataclass
class JobRun:
    """The Job controller for one Job: a pod at a time until one exits 0."""

    job: dict[str, Any]
    attempts: list[Pod] = field(default_factory=list)
    state: str = "running"  # running, waiting (to retry), complete, failed
    retry_at: float = 0.0
    stand_in: bool = False

    @property
    def limit(self) -> int:
        return int(self.job["spec"].get("backoffLimit", 6)) + 1


@dataclass
class PodState:
    pod: Pod
    deployment: str
    started: bool = False
    startup_checks: int = 0
    next_check: float = 0.0
    ready_since: float | None = None
    readyz: dict[str, str] = field(default_factory=dict)  # the checks of the last failure
    failures: int = 0  # readiness probes failed since it last was ready


@dataclass
class Installer:
    """Plays steps against a LocalCluster; `events` is the timeline."""

    cluster: LocalCluster
    events: list[str] = field(default_factory=list)
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)
    pods: dict[str, list[PodState]] = field(default_factory=dict)
    jobs: dict[str, JobRun] = field(default_factory=dict)
    balancers: dict[str, Balancer] = field(default_factory=dict)
    endpoints: dict[str, Endpoints] = field(default_factory=dict)
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    pod_count: int = 0

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        # A Service's name resolves from the start (its address is in every pod's env); its
        # balancer gets endpoints only once the Service exists and selects ready pods.
        for service in self.cluster.render.kind("Service"):
            name = service["metadata"]["name"]
            if name in self.cluster.addresses.services or not service["spec"].get("selector"):
                continue  # PostgreSQL and Redis: this machine's servers
            balancer = Balancer()
            balancer.start()
            self.balancers[name] = balancer
            self.cluster.addresses.services[name] = ("127.0.0.1", balancer.port)

    def log(self, what: str) -> None:
        self.events.append(f"{time.monotonic() - self.started:6.1f}s {what}")

    # Creating objects ------------------------------------------------------------------

    def apply(self, step: Step) -> None:
        self.log(f"step: {step.name} ({len(step.objects)} objects)")
        for obj in step.objects:
            self.create(obj)

    def create(self, obj: dict[str, Any]) -> None:
        key = ref(obj)
        if key in self.applied:
            if obj["kind"] == "Job" and is_argocd_hook(obj):
                # BeforeHookCreation: the finished hook is deleted and created again.
                assert "BeforeHookCreation" in _notes(obj).get(ARGO_DELETE, "BeforeHookCreation")
                self.log(f"{key}: deleted and created again (hook)")
            elif self.applied[key] == obj:
                return  # unchanged: nothing happens
            else:
                raise AssertionError(f"{key} changed between syncs; not played here")
        self.applied[key] = obj
        kind = obj["kind"]
        if kind == "Deployment":
            self._deployment(obj)
        elif kind == "Job":
            self._job(obj)
        elif kind == "Service" and obj["metadata"]["name"] in self.balancers:
            name = obj["metadata"]["name"]
            endpoints = Endpoints(self.balancers[name], obj["spec"]["selector"])
            endpoints.pods = [s.pod for states in self.pods.values() for s in states]
            endpoints.start()
            self.endpoints[name] = endpoints
        elif kind == "StatefulSet":
            self.log(f"{key}: this machine's server stands in")

    def _replicas(self, deployment: dict[str, Any]) -> int:
        if "replicas" in deployment["spec"]:
            return int(deployment["spec"]["replicas"])
        for hpa in self.cluster.render.kind("HorizontalPodAutoscaler"):
            if hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
                return int(hpa["spec"].get("minReplicas", 1))
        return 1

    def _new_pod(self, workload: dict[str, Any]) -> Pod:
        self.pod_count += 1
        pod = build_pod(self.cluster.render, workload, self.cluster.workdir, index=self.pod_count)
        self.cluster.prepare_databases([pod])  # resolves the env; the init script's databases
        self.cluster.pods.append(pod)
        pod.start()
        return pod

    def _deployment(self, deployment: dict[str, Any]) -> None:
        name = deployment["metadata"]["name"]
        self.deployments[name] = deployment
        states = []
        for _ in range(self._replicas(deployment)):
            pod = self._new_pod(deployment)
            states.append(PodState(pod, name, next_check=time.monotonic()))
            for endpoints in self.endpoints.values():
                endpoints.pods.append(pod)
        self.pods[name] = states
        self.log(f"Deployment/{name}: {len(states)} pods started")

    def _job(self, job: dict[str, Any]) -> None:
        name = job["metadata"]["name"]
        container = job["spec"]["template"]["spec"]["containers"][0]
        run = JobRun(job)
        self.jobs[name] = run
        if container.get("args", [None])[0] != "migrate":
            run.state, run.stand_in = "complete", True
            self.log(f"Job/{name}: complete (stand-in: {container['image']})")
            return
        run.attempts.append(self._new_pod(job))
        self.log(f"Job/{name}: pod 1 started")

    # Controllers, probed from the waiting loop -----------------------------------------

    def _advance_job(self, name: str, run: JobRun) -> None:
        now = time.monotonic()
        if run.state == "waiting" and now >= run.retry_at:
            run.attempts.append(self._new_pod(run.job))
            run.state = "running"
            self.log(f"Job/{name}: pod {len(run.attempts)} started")
        if run.state != "running":
            return
        pod = run.attempts[-1]
        assert pod.proc is not None
        deadline = float(run.job["spec"].get("activeDeadlineSeconds", 600))
        code = pod.proc.poll()
        if code is None:
            if now - pod.started_at > deadline:
                pod.kill()
                run.state = "failed"
                self.log(f"Job/{name}: failed (activeDeadlineSeconds)")
            return
        if code == 0:
            run.state = "complete"
            self.log(f"Job/{name}: complete (pod {len(run.attempts)} exited 0)")
        elif len(run.attempts) < run.limit:
            run.state, run.retry_at = "waiting", now + JOB_RETRY_SECONDS
            self.log(f"Job/{name}: pod {len(run.attempts)} exited {code}, retried")
        else:
            run.state = "failed"
            self.log(f"Job/{name}: failed, backoffLimit reached (last exit {code})")

    def _probe(self, state: PodState) -> None:
        now = time.monotonic()
        pod = state.pod
        if now < state.next_check:
            return
        if not pod.running():
            code = pod.proc.returncode if pod.proc else "?"
            raise AssertionError(f"{pod.name} exited {code} (a crash loop):\n{pod.tail()}")
        found = probes(pod)
        if not state.started:
            startup = found.get("startup") or found["readiness"]
            state.startup_checks += 1
            if startup.check():
                state.started = True
                self.log(f"{pod.name}: started")
            elif state.startup_checks >= startup.failure_threshold:
                raise AssertionError(f"{pod.name} failed its startup probe:\n{pod.tail()}")
            state.next_check = now + startup.period
            return
        readiness = found["readiness"]
        if readiness.check():
            if state.ready_since is None:
                state.ready_since, state.failures = now, 0
                self.log(f"{pod.name}: ready")
        else:
            state.ready_since = None
            state.readyz = _readyz(pod)
            state.failures += 1
        state.next_check = now + min(readiness.period, 1.0)

    def deployment_available(self, name: str) -> bool:
        min_ready = float(self.deployments[name]["spec"].get("minReadySeconds", 0))
        now = time.monotonic()
        return all(
            s.ready_since is not None and now - s.ready_since >= min_ready for s in self.pods[name]
        )

    def wait(self, step: Step, later: list[Step], timeout: float = 240) -> float:
        """Until every object of `step` is ready (Deployments available, Jobs complete);
        returns the seconds waited. Raises Deadlock when it can never be."""
        started = time.monotonic()
        deployments = [o["metadata"]["name"] for o in step.objects if o["kind"] == "Deployment"]
        jobs = [o["metadata"]["name"] for o in step.objects if o["kind"] == "Job"]
        baseline: dict[str, int] | None = None  # failed probes when nothing was left to run
        while True:
            for name in jobs:
                self._advance_job(name, self.jobs[name])
                if self.jobs[name].state == "failed":
                    tail = self.jobs[name].attempts[-1].tail() if self.jobs[name].attempts else ""
                    raise AssertionError(f"Job/{name} failed:\n{tail}")
            waiting = [d for d in deployments if not self.deployment_available(d)]
            for name in waiting:
                for state in self.pods[name]:
                    self._probe(state)
            done_jobs = all(self.jobs[j].state == "complete" for j in jobs)
            if done_jobs and not waiting:
                self.log(f"step done: {step.name}")
                return time.monotonic() - started
            if done_jobs and baseline is None:
                baseline = {s.pod.name: s.failures for d in waiting for s in self.pods[d]}
            if baseline is not None and self._stalled(waiting, baseline):
                self._deadlock(step, waiting, later)
            if time.monotonic() - started > timeout:
                unready = {
                    s.pod.name: s.readyz for d in waiting for s in self.pods[d] if not s.ready_since
                }
                raise AssertionError(f"{step.name}: not ready after {timeout}s: {unready}")
            time.sleep(0.2)

    def _stalled(self, waiting: list[str], baseline: dict[str, int]) -> bool:
        """Every unready pod failed STALL_PROBES readiness probes since nothing was left to
        run, the last one on the schema."""
        unready = [s for d in waiting for s in self.pods[d] if s.ready_since is None]
        if not unready:
            return False
        for state in unready:
            if state.failures - baseline.get(state.pod.name, 0) < STALL_PROBES:
                return False
        # Other checks may fail for the same reason (finance's books need their table).
        return all(s.readyz.get("migrations", "ok") != "ok" for s in unready)

    def _deadlock(self, step: Step, waiting: list[str], later: list[Step]) -> None:
        pending = [r for s in later for r in s.refs() if r.startswith("Job/")]
        reasons = sorted(
            {s.readyz["migrations"] for d in waiting for s in self.pods[d] if s.ready_since is None}
        )
        raise Deadlock(
            f"{step.name}: waits for {', '.join(waiting)}, whose pods are unready on the schema "
            f"({'; '.join(reasons)}); no Job of this step is left to migrate it, and the "
            f"migration Jobs come only after the wait: {', '.join(pending) or 'none rendered'}"
        )

    def play(self, steps: list[Step]) -> list[tuple[str, float]]:
        """Each step: create its objects, wait for them. Returns (step, seconds waited)."""
        waited = []
        for i, step in enumerate(steps):
            self.apply(step)
            waited.append((step.name, self.wait(step, steps[i + 1 :])))
        return waited

    def close(self) -> None:
        for endpoints in self.endpoints.values():
            endpoints.stop()
        for balancer in self.balancers.values():
            balancer.stop()


def _readyz(pod: Pod) -> dict[str, str]:
    try:
        answer = httpx.get(f"http://127.0.0.1:{pod.ports['http']}/readyz", timeout=5)
        checks = answer.json().get("checks", {})
    except (httpx.HTTPError, ValueError):
        return {}
    return {str(k): str(v) for k, v in checks.items()}

"""The controllers a release needs, acted out locally: an endpoints controller feeding a
balancer from readiness, and a Deployment controller replacing pods under maxSurge,
maxUnavailable and minReadySeconds."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.contract.balancer import Balancer, Endpoint
from tests.contract.kubelet import await_ready, await_startup, probes, terminate
from tests.contract.pods import Pod

PROPAGATION_SECONDS = 0.5  # endpoint removal reaching kube-proxy, well inside any preStop


@dataclass
class Endpoints:
    """Ready pods join the balancer at the readiness probe's period; a terminating pod leaves
    it after the propagation delay while its preStop keeps it serving."""

    balancer: Balancer
    selector: dict[str, str]
    group_of: Callable[[Pod], str] = lambda pod: ""
    pods: list[Pod] = field(default_factory=list)
    terminating: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        # A readiness probe can pass just before a pod begins terminating and return after its
        # endpoint was removed; joining is decided under this lock so it cannot come back.
        self._membership = threading.Lock()

    def selects(self, pod: Pod) -> bool:
        return all(pod.labels.get(k) == v for k, v in self.selector.items())

    def _sync(self) -> None:
        for pod in list(self.pods):
            if pod.name in self.terminating or not self.selects(pod):
                continue
            if pod.running() and probes(pod)["readiness"].check():
                with self._membership:
                    if pod.name not in self.terminating:
                        self.balancer.add(Endpoint(pod.name, pod.ports["http"], self.group_of(pod)))
            else:
                self.balancer.remove(pod.name)
        for name in list(self.balancer.endpoints):
            pod = next((p for p in self.pods if p.name == name), None)
            if pod is None or not self.selects(pod):
                self.balancer.remove(name)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sync()
            period = min((probes(p)["readiness"].period for p in self.pods), default=1.0)
            self._stop.wait(period)

    def start(self) -> None:
        self._sync()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def retarget(self, selector: dict[str, str]) -> None:
        """A Service whose selector changed (blue-green switch)."""
        self.selector = selector
        self._sync()

    def begin_termination(self, pod: Pod) -> None:
        with self._membership:
            self.terminating.add(pod.name)
        threading.Timer(PROPAGATION_SECONDS, self.balancer.remove, args=(pod.name,)).start()


def start_ready(pod: Pod) -> None:
    pod.start()
    await_startup(pod)
    await_ready(pod)


def _count(value: Any, replicas: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)


@dataclass
class RollingUpdate:
    """What the Deployment controller does for one rollout, with the invariants checked."""

    deployment: dict[str, Any]
    endpoints: Endpoints
    new_pod: Callable[[int], Pod]
    events: list[str] = field(default_factory=list)
    # Told each step as it happens (a load's timeline, so a failure names the step it fell in).
    on_event: Callable[[str], None] = lambda event: None

    def __post_init__(self) -> None:
        spec = self.deployment["spec"]
        self.replicas = int(spec.get("replicas", 1))
        rolling = spec["strategy"]["rollingUpdate"]
        self.surge = _count(rolling.get("maxSurge", "25%"), self.replicas, round_up=True)
        self.unavailable = _count(
            rolling.get("maxUnavailable", "25%"), self.replicas, round_up=False
        )
        self.min_ready = float(spec.get("minReadySeconds", 0))
        assert self.surge + self.unavailable > 0, "a rollout that can never progress"

    def run(self, old: list[Pod]) -> list[Pod]:
        new: list[Pod] = []
        available_since: dict[str, float] = {}
        stopping: list[threading.Thread] = []
        self.exit_codes: dict[str, int | None] = {}
        index = 0
        while old:
            live = len(old) + len(new)
            while live < self.replicas + self.surge and len(new) < self.replicas:
                pod = self.new_pod(index)
                index += 1
                self.endpoints.pods.append(pod)
                start_ready(pod)
                available_since[pod.name] = time.monotonic()
                new.append(pod)
                live += 1
                self._event(f"started {pod.name}")
            time.sleep(max(0.0, max(available_since.values()) + self.min_ready - time.monotonic()))
            available = len(old) + len(new)  # every running pod here has passed readiness
            removable = available - (self.replicas - self.unavailable)
            assert len(old) + len(new) <= self.replicas + self.surge
            for pod in old[: max(removable, 0)]:
                old.remove(pod)
                self.endpoints.begin_termination(pod)
                thread = threading.Thread(target=self._stop, args=(pod,))
                thread.start()
                stopping.append(thread)
                self._event(f"terminating {pod.name}")
            assert len(old) + len(new) >= self.replicas - self.unavailable
        for thread in stopping:
            thread.join(120)
        return new

    def _event(self, event: str) -> None:
        self.events.append(event)
        self.on_event(event)

    def _stop(self, pod: Pod) -> None:
        code, _ = terminate(pod)
        self.exit_codes[pod.name] = code
        self.on_event(f"{pod.name} exited {code}")

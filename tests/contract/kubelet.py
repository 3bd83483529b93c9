"""Probing and terminating a pod (a local process or a container) the way the kubelet does."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.contract.pods import Pod


@dataclass(frozen=True)
class Probe:
    path: str
    port: int
    initial_delay: float
    period: float
    timeout: float
    failure_threshold: int
    success_threshold: int

    @classmethod
    def of(cls, pod: Pod, spec: dict[str, Any]) -> Probe:
        get = spec["httpGet"]
        return cls(
            path=get["path"],
            port=pod.port(get["port"]),
            initial_delay=float(spec.get("initialDelaySeconds", 0)),
            period=float(spec.get("periodSeconds", 10)),
            timeout=float(spec.get("timeoutSeconds", 1)),
            failure_threshold=int(spec.get("failureThreshold", 3)),
            success_threshold=int(spec.get("successThreshold", 1)),
        )

    @property
    def budget(self) -> float:
        return self.initial_delay + self.period * self.failure_threshold

    def check(self) -> bool:
        try:
            status = httpx.get(
                f"http://127.0.0.1:{self.port}{self.path}", timeout=self.timeout
            ).status_code
        except httpx.HTTPError:
            return False
        return 200 <= status < 400  # the kubelet's rule for HTTP probes


def probes(pod: Pod) -> dict[str, Probe]:
    return {
        kind: Probe.of(pod, pod.container[f"{kind}Probe"])
        for kind in ("startup", "liveness", "readiness")
        if f"{kind}Probe" in pod.container
    }


def await_startup(pod: Pod) -> float:
    """Run the startup probe as the kubelet would; seconds until it passed."""
    found = probes(pod)
    probe = found.get("startup") or found.get("readiness")
    assert probe is not None, f"{pod.name} has neither startup nor readiness probe"
    time.sleep(probe.initial_delay)
    for _ in range(probe.failure_threshold):
        if not pod.running():
            raise AssertionError(
                f"{pod.name} exited {pod.proc.returncode if pod.proc else '?'}"
                f" during startup:\n{pod.tail()}"
            )
        if probe.check():
            return time.monotonic() - pod.started_at
        time.sleep(probe.period)
    raise AssertionError(
        f"{pod.name} failed its startup probe within {probe.budget}s:\n{pod.tail()}"
    )


def await_ready(pod: Pod, timeout: float | None = None) -> float:
    """Readiness after startup: `successThreshold` passes in a row, polled at the period."""
    probe = probes(pod)["readiness"]
    deadline = time.monotonic() + (timeout or probe.budget + 5)
    passes = 0
    while time.monotonic() < deadline:
        passes = passes + 1 if probe.check() else 0
        if passes >= probe.success_threshold:
            return time.monotonic() - pod.started_at
        time.sleep(min(probe.period, 1.0) if passes == 0 else probe.period)
    raise AssertionError(f"{pod.name} never became ready:\n{pod.tail()}")


def run_pre_stop(pod: Pod) -> float:
    """The preStop hook; returns how long it took."""
    hook = pod.container.get("lifecycle", {}).get("preStop")
    started = time.monotonic()
    if hook is None:
        return 0.0
    if "sleep" in hook:
        time.sleep(float(hook["sleep"]["seconds"]))
    elif "httpGet" in hook:
        get = hook["httpGet"]
        httpx.get(f"http://127.0.0.1:{pod.port(get['port'])}{get['path']}", timeout=30)
    else:
        raise AssertionError(f"{pod.name}: unsupported preStop hook {hook}")
    return time.monotonic() - started


def terminate(pod: Pod) -> tuple[int | None, float]:
    """preStop, then SIGTERM, then SIGKILL at terminationGracePeriodSeconds (counted from the
    start, as the kubelet does). Returns (exit code or None if killed, seconds taken)."""
    assert pod.proc is not None
    grace = float(pod.spec.get("terminationGracePeriodSeconds", 30))
    started = time.monotonic()
    run_pre_stop(pod)
    pod.send_signal(signal.SIGTERM)
    remaining = grace - (time.monotonic() - started)
    try:
        code = pod.proc.wait(timeout=max(remaining, 0.1))
    except Exception:
        pod.kill()
        return None, time.monotonic() - started
    return code, time.monotonic() - started

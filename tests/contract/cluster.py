"""A tiny local stand-in for a namespace: creates databases, resolves Services to pods or
balancers, runs hook Jobs and starts Deployments from one render."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from tests.contract.manifests import Render
from tests.contract.pods import PG, REDIS, Addresses, Pod, build_pod
from tests.support.databases import ADMIN_DSN


def is_selected_by(labels: dict[str, str], selector: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def app_workloads(render: Render) -> list[dict[str, Any]]:
    """Deployments running an `erp serve` container (not PostgreSQL, Redis or agents)."""
    found = []
    for deployment in render.kind("Deployment"):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if container.get("args", [None])[0] == "serve":
            found.append(deployment)
    return found


def data_services(render: Render) -> dict[str, tuple[str, int]]:
    """Services in front of the chart's PostgreSQL and Redis map to this machine's servers."""
    mapped: dict[str, tuple[str, int]] = {}
    for service in render.kind("Service"):
        name = service["metadata"]["name"]
        component = service["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")
        if "postgres" in component or name.endswith("-postgresql") or "postgresql" in name:
            mapped[name] = PG
        elif "redis" in component or "redis" in name or "valkey" in name:
            mapped[name] = REDIS
    return mapped


async def _create_databases(pairs: set[tuple[str, str]]) -> list[str]:
    conn = await asyncpg.connect(ADMIN_DSN)
    created = []
    try:
        for role, database in sorted(pairs):
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                await conn.execute(f'CREATE ROLE "{role}" LOGIN')
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
            created.append(database)
    finally:
        await conn.close()
    return created


async def _drop_databases(names: list[str]) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class LocalCluster:
    render: Render
    workdir: Path
    addresses: Addresses = field(default_factory=Addresses)
    pods: list[Pod] = field(default_factory=list)
    created_databases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.addresses.run_id = uuid.uuid4().hex[:8]
        self.addresses.services.update(data_services(self.render))

    def pods_for(self, workloads: list[dict[str, Any]]) -> list[Pod]:
        pods = [build_pod(self.render, w, self.workdir) for w in workloads]
        self.pods += pods
        return pods

    def route_services_to_pods(self) -> None:
        """Each app Service resolves to (one of) the pods its selector picks."""
        for service in self.render.kind("Service"):
            selector = service["spec"].get("selector", {})
            for pod in self.pods:
                if is_selected_by(pod.labels, selector) and "http" in pod.ports:
                    self.addresses.services[service["metadata"]["name"]] = (
                        "127.0.0.1",
                        pod.ports["http"],
                    )
                    break

    def prepare_databases(self, pods: list[Pod]) -> None:
        for pod in pods:
            pod.resolve(self.addresses)
        fresh = self.addresses.databases - {
            (r, d) for r, d in self.addresses.databases if d in self.created_databases
        }
        self.created_databases += asyncio.run(_create_databases(fresh))

    def run_job(self, job: dict[str, Any], *, timeout: float = 120) -> tuple[int, str]:
        pod = build_pod(self.render, job, self.workdir, index=len(self.pods))
        pod.resolve(self.addresses)
        self.prepare_databases([])
        restart = job["spec"]["template"]["spec"].get("restartPolicy")
        assert restart in ("Never", "OnFailure"), f"a Job's pods never restart Always: {restart}"
        pod.start()
        assert pod.proc is not None
        try:
            code = pod.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pod.kill()
            code = -1
        return code, pod.tail()

    def close(self) -> None:
        for pod in self.pods:
            pod.kill()
        if self.created_databases:
            asyncio.run(_drop_databases(self.created_databases))

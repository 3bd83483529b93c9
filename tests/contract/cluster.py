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


async def _create_databases(wanted: set[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(server's admin DSN, role, database) -> the (DSN, database) pairs created."""
    created = []
    for dsn in sorted({w[0] for w in wanted}):
        conn = await asyncpg.connect(dsn)
        try:
            for _, role, database in sorted(w for w in wanted if w[0] == dsn):
                exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
                if not exists:
                    await conn.execute(f'CREATE ROLE "{role}" LOGIN')
                await conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
                created.append((dsn, database))
        finally:
            await conn.close()
    return created


async def _drop_databases(names: list[tuple[str, str]]) -> None:
    for dsn in sorted({n[0] for n in names}):
        conn = await asyncpg.connect(dsn)
        try:
            for _, name in (n for n in names if n[0] == dsn):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class LocalCluster:
    render: Render
    workdir: Path
    addresses: Addresses = field(default_factory=Addresses)
    pods: list[Pod] = field(default_factory=list)
    created_databases: list[tuple[str, str]] = field(default_factory=list)  # (admin DSN, name)

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
        made = set(self.created_databases)
        fresh = {(s, r, d) for s, r, d in self.addresses.databases if (s, d) not in made}
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

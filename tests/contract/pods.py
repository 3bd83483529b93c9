"""Acting as the kubelet for a rendered Pod spec: build the container's process from the
manifest (command, args, env, envFrom, ports, securityContext user) and run it locally, or, with
ERP_CONTRACT_RUNTIME=container, in a container of the built image (tests/contract/containers.py).

What a cluster would provide is mapped to this machine, and nothing else is changed:
- Service DNS names (`<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc[.cluster.local]`) → loopback
  addresses: the real PostgreSQL and Redis of this machine, or the local stand-ins for Services;
- each pod's network namespace → its own free local port for the container's named ports
  (`ERP_PORT` is set to it; the test checks the app's port equals the declared containerPort);
- the `/tmp` emptyDir → a private writable directory (TMPDIR); the working directory stands for
  the read-only root filesystem: the test requires that nothing was written there (the
  interpreter lives under a home directory other users cannot enter, so the process cannot
  switch to the pod's runAsUser here);
- Secret and ConfigMap volumes → their keys as files in a private directory, and every env value
  naming the mount path names that directory instead (a container mounts them at the path);
- credentials: PostgreSQL runs with trust auth here, so each URL's role is created; Redis has no
  password here, so the password is dropped; each database gets a run-unique name;
- a database server named in `Addresses.servers` (a private TLS-only cluster standing in for an
  external PostgreSQL) is reached under the host name the manifest gives, so a certificate
  check sees the name the pods use.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.contract.manifests import NAMESPACE, Render
from tests.support.databases import ADMIN_DSN
from tests.support.processes import free_port

ENTRYPOINT = [sys.executable, "-m", "erp"]  # the image's ENTRYPOINT ["erp"]
PG, REDIS = ("127.0.0.1", 5432), ("127.0.0.1", 6379)


@dataclass
class Addresses:
    """Where each rendered Service name resolves on this machine."""

    services: dict[str, tuple[str, int]] = field(default_factory=dict)
    run_id: str = ""
    # (admin DSN of the server, role, database) to create
    databases: set[tuple[str, str, str]] = field(default_factory=set)
    # "host:port" as a manifest names it -> the admin DSN of the server answering there under
    # that name (the URL keeps its host; every other PostgreSQL host maps to this machine's).
    servers: dict[str, str] = field(default_factory=dict)

    def resolve(self, host: str) -> tuple[str, int] | None:
        name = host
        for suffix in (f".{NAMESPACE}.svc.cluster.local", f".{NAMESPACE}.svc", f".{NAMESPACE}"):
            name = name.removesuffix(suffix)
        return self.services.get(name)

    def map_value(self, value: str) -> str:
        if "://" not in value:
            return value
        parts = urllib.parse.urlsplit(value)
        if not parts.hostname or parts.hostname == "127.0.0.1":  # already mapped
            return value
        named = f"{parts.hostname}:{parts.port or 5432}"
        if parts.scheme.startswith("postgres") and named in self.servers:
            if parts.path.endswith(f"_{self.run_id}"):  # already mapped
                return value
            role = parts.username or "postgres"
            database = f"{parts.path.lstrip('/')}_{self.run_id}"
            self.databases.add((self.servers[named], role, database))
            return urllib.parse.urlunsplit(
                (parts.scheme, f"{role}@{named}", f"/{database}", parts.query, "")
            )
        target = self.resolve(parts.hostname)
        if target is None:  # an external host named in values: this machine's server stands in
            if parts.scheme.startswith("postgres"):
                target = PG
            elif parts.scheme.startswith("redis"):
                target = REDIS
            else:
                return value
        host, port = target
        if parts.scheme.startswith("postgres"):
            role = parts.username or "postgres"
            database = f"{parts.path.lstrip('/')}_{self.run_id}"
            self.databases.add((ADMIN_DSN, role, database))
            netloc = f"{role}@{host}:{port}"
            return urllib.parse.urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))
        if parts.scheme.startswith("redis"):
            return urllib.parse.urlunsplit(
                (parts.scheme, f"{host}:{port}", parts.path, parts.query, "")
            )
        return urllib.parse.urlunsplit(
            (parts.scheme, f"{host}:{port}", parts.path, parts.query, parts.fragment)
        )


def container_env(render: Render, container: dict[str, Any]) -> dict[str, str]:
    """The environment Kubernetes would give the container (envFrom first, env overrides)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            values = render.config_map("ConfigMap", source["configMapRef"]["name"])
        else:
            values = render.config_map("Secret", source["secretRef"]["name"])
        env.update({prefix + k: v for k, v in values.items()})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item.get("valueFrom", {})
        if "secretKeyRef" in ref:
            env[item["name"]] = render.config_value(
                "Secret", ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"]
            )
        elif "configMapKeyRef" in ref:
            env[item["name"]] = render.config_value(
                "ConfigMap", ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
            )
        elif "fieldRef" in ref:
            env[item["name"]] = f"fieldref-{ref['fieldRef']['fieldPath']}"
    return env


def volume_files(
    render: Render, kind: str, source: dict[str, Any], target: Path, group: int = -1
) -> None:
    """A Secret or ConfigMap volume's keys as files under `target`, as the kubelet writes them
    (defaultMode or the item's mode; with an fsGroup, that group and group read)."""
    name = source["secretName"] if kind == "Secret" else source["name"]
    try:
        values = render.config_map(kind, name)
    except KeyError:
        raise AssertionError(
            f"a pod mounts {kind} {name}, which the render does not hold (one an operator "
            "creates: add it to the render, as tests/contract/secrets.py does)"
        ) from None
    default_mode = int(source.get("defaultMode", 0o644))
    items = source.get("items") or [{"key": k, "path": k} for k in values]
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o755)
    for item in items:
        path = target / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values[item["key"]])
        mode = int(item.get("mode", default_mode))
        if group >= 0:
            os.chown(path, 0, group)
            mode |= 0o440
        path.chmod(mode)


def _mount_volumes(
    render: Render, spec: dict[str, Any], container: dict[str, Any], root: Path
) -> dict[str, str]:
    """Process mode: each Secret or ConfigMap volume the container mounts, written under
    `root`; returns mount path -> local directory."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounted: dict[str, str] = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
            if key in volume:
                local = root / "volumes" / mount["name"]
                volume_files(render, kind, volume[key], local)
                mounted[mount["mountPath"].rstrip("/")] = str(local)
    return mounted


@dataclass
class Pod:
    """One running container of a rendered workload."""

    name: str
    spec: dict[str, Any]  # the pod template spec
    container: dict[str, Any]
    labels: dict[str, str]
    env: dict[str, str]
    ports: dict[str, int]  # port name → local port
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    mounts: dict[str, str] = field(default_factory=dict)  # mount path -> local directory

    @property
    def log(self) -> Path:
        return self.workdir / "container.log"

    def port(self, name_or_number: str | int) -> int:
        if isinstance(name_or_number, int):
            declared = {p["containerPort"]: p.get("name") for p in self.container["ports"]}
            return self.ports[str(declared[name_or_number])]
        return self.ports[name_or_number]

    def resolve(self, addresses: Addresses) -> None:
        self.env = {k: addresses.map_value(v) for k, v in self.env.items()}
        for path, local in self.mounts.items():
            self.env = {k: v.replace(f"{path}/", f"{local}/") for k, v in self.env.items()}

    def start(self) -> None:
        command = self.container.get("command") or ENTRYPOINT
        if command and command[0] == "erp":
            command = [*ENTRYPOINT, *command[1:]]
        elif command and command[0] == "python":  # the image's interpreter (the test pod)
            command = [sys.executable, *command[1:]]
        args = [str(a) for a in self.container.get("args", [])]
        root, tmp = self.root_dir, self.workdir / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.env,
        }
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*command, *args],
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    @property
    def root_dir(self) -> Path:
        return self.workdir / "root"

    def wrote_to_root_fs(self) -> list[str]:
        """Files the container left where a read-only root filesystem would refuse them."""
        return sorted(str(p.relative_to(self.root_dir)) for p in self.root_dir.rglob("*"))

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: signal.Signals) -> None:
        """What the runtime does for the kubelet: signal the container's processes."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    def isolation_problems(self) -> list[str]:
        """Where the kernel's view of the running container differs from its securityContext
        and resources; a local process has none of them to check (container mode does)."""
        return []

    def kill(self) -> None:
        if self.running():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def build_pod(render: Render, workload: dict[str, Any], workdir: Path, index: int = 0) -> Pod:
    """The pod as declared; call `resolve` once every Service has a local address."""
    template = workload["spec"]["template"]
    spec = template["spec"]
    container = spec["containers"][0]
    env = container_env(render, container)
    ports = {
        str(p.get("name", p["containerPort"])): free_port() for p in container.get("ports", [])
    }
    if "http" in ports:
        declared = next(p["containerPort"] for p in container["ports"] if p.get("name") == "http")
        app_port = int(env.get("ERP_PORT", 8000))
        assert app_port == declared, (
            f"{workload['metadata']['name']}: the app listens on {app_port} but the manifest "
            f"declares containerPort {declared}"
        )
        env["ERP_PORT"] = str(ports["http"])
    name = f"{workload['metadata']['name']}-{index}"
    pod = Pod(
        name=name,
        spec=spec,
        container=container,
        labels=dict(template["metadata"].get("labels", {})),
        env=env,
        ports=ports,
        workdir=workdir / name,
    )
    from tests.contract import containers  # ERP_CONTRACT_RUNTIME=container: in the image

    if containers.enabled():
        return containers.as_container(pod, render)
    pod.mounts = _mount_volumes(render, spec, container, pod.workdir)
    return pod

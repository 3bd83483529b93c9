"""Container mode (`ERP_CONTRACT_RUNTIME=container`): each rendered workload runs in a real
container of the built image (`ERP_CONTRACT_IMAGE`, default erp-system:dev; `make image`), with
podman and runc, as the kubelet would start it, instead of as a local process.

What the rendered Pod spec says is turned into the container's settings:
- command/args → the image's ENTRYPOINT/CMD overridden as Kubernetes does (command replaces the
  ENTRYPOINT and drops CMD; args replace CMD), so `erp` runs as PID 1 and gets SIGTERM itself;
- securityContext (the pod's, overridden by the container's) → `--user runAsUser:runAsGroup`,
  fsGroup and supplementalGroups as extra groups, runAsNonRoot checked against the user that will
  run (the image's USER when runAsUser is unset), readOnlyRootFilesystem → `--read-only` with no
  writable tmpfs of podman's own, capabilities drop/add, allowPrivilegeEscalation: false →
  `no-new-privileges`, seccompProfile RuntimeDefault → the runtime's default filter (an unset
  profile is Unconfined, as on a kubelet without SeccompDefault);
- resources: limits.memory → `--memory` (no swap), limits.cpu → `--cpus` (a CFS quota),
  requests.cpu → CPU shares;
- env and envFrom (ConfigMaps and Secrets of the render) → the container's environment, passed
  through podman's own environment so no value appears on a command line;
- volumes: an emptyDir with medium Memory → a tmpfs of its sizeLimit; an emptyDir on disk → a
  fresh host directory (mode 0777, as the kubelet makes it); Secret and ConfigMap volumes → their
  keys as files (defaultMode or the item's mode, group fsGroup) mounted read-only;
- probes, preStop (a sleep is done by the kubelet, here by the test) and termination: SIGTERM is
  sent to the container's PID 1 (`podman kill`), SIGKILL at terminationGracePeriodSeconds.

`isolation_problems()` then reads what the kernel applied to the running container's PID 1
(/proc/PID/status, mountinfo, its cgroup): user, groups, capabilities, no_new_privs, seccomp,
a read-only root and the memory and CPU limits, so the flags above are proven, not assumed; and
the address its HTTP port is bound to.

Networking is `--network host`, as in process mode: the services reach this machine's PostgreSQL
(127.0.0.1:5432) and Redis (127.0.0.1:6379), which listen on loopback only, and each other on
distinct ports through the same local stand-ins for Services (balancers), and ERP_PORT is set to
a free port per pod. What host networking does not prove:
- that the pod's IP reaches the app: probes go to loopback here (what is checked instead: the
  socket listening on the pod's port is bound to the wildcard address, not to loopback, so it
  would accept connections on a pod IP);
- that it listens on the declared containerPort inside its own network namespace (each pod gets
  another port here; the test checks ERP_PORT equals containerPort in the render instead), nor
  port publishing or Service port → targetPort mapping;
- DNS: Service names are rewritten to 127.0.0.1 addresses in the env before start, as in process
  mode; the container's resolver is never asked;
- NetworkPolicy, and isolation between pods (they share one network namespace here).
Also not proven: init containers (the migration Jobs' wait-for-database uses another image that
no registry can provide here; the real server is up before the Jobs run), the service-account
token, Service links env, the kubelet's image pull, restartPolicy restarts, and
PostgreSQL/Redis as the chart runs them (this machine's servers stand in for both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tests.contract.manifests import Render
from tests.contract.pods import Pod, volume_files

RUNTIME_ENV = "ERP_CONTRACT_RUNTIME"
IMAGE_ENV = "ERP_CONTRACT_IMAGE"
DEFAULT_IMAGE = "erp-system:dev"
LABEL = "io.erp-system.contract"
PODMAN = os.environ.get("ERP_PODMAN", "podman")
# Files the runtime mounts into every container (the kubelet's runtime does the same): their
# mount points appear in the container's layer without the container writing anything.
RUNTIME_MOUNTS = ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run/.containerenv")

_SUFFIXES = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "m": 10**-3,
    "": 1,
}


def enabled() -> bool:
    return os.environ.get(RUNTIME_ENV, "process").strip().lower() == "container"


def image() -> str:
    return os.environ.get(IMAGE_ENV) or DEFAULT_IMAGE


def describe() -> str:
    return f"containers of {image()} (podman, --network host)" if enabled() else "local processes"


def quantity(value: str | int | float) -> float:
    """A Kubernetes resource quantity ("384Mi", "500m", "1", "1.5G") as a number."""
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value).strip())
    if not match or match.group(2) not in _SUFFIXES:
        raise ValueError(f"unsupported quantity {value!r}")
    return float(match.group(1)) * _SUFFIXES[match.group(2)]


def _podman(*args: str, timeout: float = 60, check: bool = True) -> str:
    out = subprocess.run(
        [PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and out.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} failed: {out.stderr.strip()}")
    return out.stdout


def unavailable() -> str | None:
    """Why container mode cannot run here, or None."""
    if shutil.which(PODMAN) is None:
        return f"{RUNTIME_ENV}=container needs podman (make podman-tools)"
    out = subprocess.run(
        [PODMAN, "image", "exists", image()], capture_output=True, timeout=60, check=False
    )
    if out.returncode != 0:
        return f"{RUNTIME_ENV}=container: image {image()} not found (make image BASE=debian)"
    return None


def sweep() -> None:
    """Remove every container the contract tests left behind."""
    ids = _podman("ps", "-aq", "--filter", f"label={LABEL}", check=False).split()
    if ids:
        _podman("rm", "-f", "-t", "0", *ids, check=False, timeout=120)


def _security_context(spec: dict[str, Any], container: dict[str, Any]) -> dict[str, Any]:
    """The pod's securityContext with the container's fields taking precedence."""
    pod = spec.get("securityContext", {})
    inherited = ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions")
    merged = {k: pod[k] for k in inherited if k in pod}
    merged.update(container.get("securityContext", {}))
    return merged


@dataclass
class ContainerPod(Pod):
    """A Pod whose container runs in the image under its rendered settings."""

    image: str = DEFAULT_IMAGE
    render: Render | None = None
    container_name: str = ""
    expected: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.container_name:
            self.container_name = f"erp-contract-{self.name}-{uuid.uuid4().hex[:6]}"

    # The podman command line --------------------------------------------------------------

    def _user(self, sc: dict[str, Any]) -> tuple[int, int]:
        configured = _podman("image", "inspect", "--format", "{{.Config.User}}", self.image)
        image_user, _, image_group = configured.strip().partition(":")
        uid = sc.get("runAsUser", image_user or 0)
        gid = sc.get("runAsGroup", image_group or (0 if "runAsUser" in sc else uid))
        if sc.get("runAsNonRoot"):
            # The kubelet's rule: it must be able to tell the user is not root, by number.
            assert str(uid).isdigit(), (
                f"{self.name}: runAsNonRoot with the non-numeric image user {uid!r}"
            )
            assert int(uid) != 0, f"{self.name}: runAsNonRoot, but the container would run as root"
        return int(uid), int(gid)

    def _volume_args(self, fs_group: int) -> list[str]:
        volumes = {v["name"]: v for v in self.spec.get("volumes", [])}
        args: list[str] = []
        for mount in self.container.get("volumeMounts", []):
            volume, path = volumes[mount["name"]], mount["mountPath"]
            read_only = bool(mount.get("readOnly", False))
            assert "subPath" not in mount, f"{self.name}: subPath mounts are not supported here"
            if "emptyDir" in volume:
                empty = volume["emptyDir"] or {}
                if empty.get("medium") == "Memory":
                    options = ["ro" if read_only else "rw", "exec", "nosuid", "nodev", "mode=0777"]
                    if "sizeLimit" in empty:
                        options.append(f"size={int(quantity(empty['sizeLimit']))}")
                    args += ["--tmpfs", f"{path}:{','.join(options)}"]
                else:
                    host = self.workdir / "volumes" / mount["name"]
                    host.mkdir(parents=True, exist_ok=True)
                    host.chmod(0o777)
                    args += ["--volume", f"{host}:{path}:{'ro' if read_only else 'rw'}"]
            elif "secret" in volume or "configMap" in volume:
                kind = "Secret" if "secret" in volume else "ConfigMap"
                host = self.workdir / "volumes" / mount["name"]
                assert self.render is not None
                volume_files(self.render, kind, volume[kind[0].lower() + kind[1:]], host, fs_group)
                args += ["--volume", f"{host}:{path}:ro"]
            else:
                raise AssertionError(f"{self.name}: volume {volume} is not supported here")
        return args

    def _resource_args(self) -> list[str]:
        resources = self.container.get("resources", {})
        limits, requests = resources.get("limits", {}), resources.get("requests", {})
        args: list[str] = []
        if "memory" in limits:
            memory = int(quantity(limits["memory"]))
            args += ["--memory", f"{memory}b", "--memory-swap", f"{memory}b"]
            self.expected["memory"] = memory
        if "cpu" in limits:
            cpus = quantity(limits["cpu"])
            args += ["--cpus", f"{cpus:g}"]
            self.expected["cpus"] = cpus
        if "cpu" in requests:
            args += ["--cpu-shares", str(max(2, int(quantity(requests["cpu"]) * 1024)))]
        return args

    def _security_args(self) -> tuple[list[str], int]:
        """The securityContext's flags, and the fsGroup (-1 for none) for volume files."""
        sc = _security_context(self.spec, self.container)
        pod_sc = self.spec.get("securityContext", {})
        uid, gid = self._user(sc)
        groups = [int(g) for g in pod_sc.get("supplementalGroups", [])]
        fs_group = int(pod_sc["fsGroup"]) if "fsGroup" in pod_sc else -1
        if fs_group >= 0:
            groups.append(fs_group)
        self.expected.update(uid=uid, gid=gid, groups=sorted(set(groups)))
        args = ["--user", f"{uid}:{gid}"]
        args += [a for g in sorted(set(groups)) for a in ("--group-add", str(g))]
        if sc.get("privileged"):
            args.append("--privileged")
        if sc.get("readOnlyRootFilesystem"):
            args += ["--read-only", "--read-only-tmpfs=false"]
        self.expected["read_only_root"] = bool(sc.get("readOnlyRootFilesystem"))
        caps = sc.get("capabilities", {})
        args += [a for c in caps.get("drop", []) for a in ("--cap-drop", str(c))]
        args += [a for c in caps.get("add", []) for a in ("--cap-add", str(c))]
        self.expected["no_capabilities"] = "ALL" in caps.get("drop", []) and not caps.get("add")
        if sc.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        self.expected["no_new_privs"] = sc.get("allowPrivilegeEscalation") is False
        seccomp = sc.get("seccompProfile", {}).get("type", "Unconfined")
        if seccomp == "Unconfined":
            args += ["--security-opt", "seccomp=unconfined"]
        elif seccomp != "RuntimeDefault":
            raise AssertionError(f"{self.name}: seccomp profile {seccomp} is not supported here")
        self.expected["seccomp"] = seccomp == "RuntimeDefault"
        return args, fs_group

    def run_command(self) -> list[str]:
        security, fs_group = self._security_args()
        command = self.container.get("command")
        args = [str(a) for a in self.container.get("args", [])]
        line = [
            "run",
            "--name",
            self.container_name,
            "--label",
            f"{LABEL}=1",
            "--pull=never",
            "--network",
            "host",
            "--hostname",
            self.name,
            *security,
            *self._resource_args(),
            *self._volume_args(fs_group),
            # `-e NAME` takes the value from podman's environment (see start()).
            *[a for name in sorted(self.env) for a in ("--env", name)],
        ]
        if self.container.get("workingDir"):
            line += ["--workdir", str(self.container["workingDir"])]
        if command:
            line += ["--entrypoint", json.dumps([str(c) for c in command])]
        return [PODMAN, *line, self.image, *args]

    # The Pod interface ---------------------------------------------------------------------

    def start(self) -> None:
        command = self.run_command()
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # the attached client exits with the container's code
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started_at = time.monotonic()

    def send_signal(self, sig: signal.Signals) -> None:
        """To the container's PID 1, as the runtime does for the kubelet."""
        _podman("kill", "--signal", sig.name, self.container_name, check=False)

    def kill(self) -> None:
        if self.running():
            self.send_signal(signal.SIGKILL)
            assert self.proc is not None
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        _podman("rm", "-f", "-t", "0", self.container_name, check=False)

    def wrote_to_root_fs(self) -> list[str]:
        """What `podman diff` finds changed in the container's own layer, beyond the mount
        points of its volumes and the runtime's files (with a read-only root, the kernel
        refuses every other write)."""
        out = subprocess.run(
            [PODMAN, "diff", "--format", "json", self.container_name],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if out.returncode != 0:  # removed already: nothing to inspect
            return []
        changes = json.loads(out.stdout or "{}")
        mounts = [m["mountPath"] for m in self.container.get("volumeMounts", [])]
        mounts += RUNTIME_MOUNTS
        allowed = {str(Path(m).parent) for m in mounts} | set(mounts) | {"/"}
        found = []
        for kind in ("added", "changed", "deleted"):
            for path in changes.get(kind) or []:
                inside = any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts)
                if path not in allowed and not inside:
                    found.append(f"{kind} {path}")
        return sorted(found)

    def isolation_problems(self) -> list[str]:
        """Compare what the kernel applied to the container's PID 1 with the rendered spec."""
        state = _podman("inspect", "--format", "{{.State.Pid}}", self.container_name).strip()
        pid = int(state or 0)
        if pid <= 0:
            return [f"{self.name}: not running"]
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        want = self.expected
        problems = []
        uids, gids = status["Uid"].split(), status["Gid"].split()
        if set(uids) != {str(want["uid"])} or set(gids) != {str(want["gid"])}:
            problems.append(f"runs as uid {uids} gid {gids}, not {want['uid']}:{want['gid']}")
        groups = sorted({int(g) for g in status["Groups"].split()} - {want["gid"]})
        if groups != [g for g in want["groups"] if g != want["gid"]]:
            problems.append(f"supplementary groups {groups}, not {want['groups']}")
        if want["no_capabilities"]:
            for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
                if int(status[key].strip(), 16) != 0:
                    problems.append(f"{key} is {status[key].strip()} with capabilities drop ALL")
        if want["no_new_privs"] and status["NoNewPrivs"].strip() != "1":
            problems.append("no_new_privs is not set")
        if want["seccomp"] and status["Seccomp"].strip() != "2":
            problems.append(f"seccomp mode {status['Seccomp'].strip()}, not 2 (filter)")
        if want["read_only_root"]:
            root = [
                line.split()
                for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
                if line.split()[4] == "/"
            ]
            if not root or "ro" not in root[-1][5].split(","):
                problems.append(f"the root filesystem is mounted {root[-1][5] if root else '?'}")
        problems += self._cgroup_problems(pid)
        problems += self._listen_problems(pid)
        return [f"{self.name}: {p}" for p in problems]

    def _listen_problems(self, pid: int) -> list[str]:
        """The HTTP port must be bound to the wildcard address (reachable on a pod IP), not to
        loopback: read from the kernel's socket table as the container's process sees it."""
        if "http" not in self.ports:
            return []
        port = f"{self.ports['http']:04X}"
        bound = []
        for table in ("tcp", "tcp6"):
            path = Path(f"/proc/{pid}/net/{table}")
            for line in path.read_text().splitlines()[1:] if path.exists() else []:
                local, state = line.split()[1], line.split()[3]
                address, _, local_port = local.partition(":")
                if state == "0A" and local_port == port:  # LISTEN
                    bound.append(address)
        if not bound:
            return [f"nothing listens on port {self.ports['http']}"]
        if not any(set(address) == {"0"} for address in bound):
            return [f"port {self.ports['http']} is bound to {bound}, not to every address"]
        return []

    def _cgroup_problems(self, pid: int) -> list[str]:
        paths: dict[str, str] = {}
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") or [""]:
                paths[controller] = path
        problems = []
        if "memory" in self.expected:
            if "memory" in paths:  # cgroup v1
                file = Path("/sys/fs/cgroup/memory", paths["memory"].lstrip("/"))
                limit = file / "memory.limit_in_bytes"
            else:  # cgroup v2
                limit = Path("/sys/fs/cgroup", paths[""].lstrip("/"), "memory.max")
            found = limit.read_text().strip() if limit.exists() else "?"
            # The kernel rounds a limit down to whole pages.
            if not found.isdigit() or abs(int(found) - self.expected["memory"]) >= 4096:
                problems.append(f"memory limit {found}, not {self.expected['memory']}")
        if "cpus" in self.expected:
            if "cpu" in paths:
                base = Path("/sys/fs/cgroup/cpu", paths["cpu"].lstrip("/"))
                quota_file, period_file = base / "cpu.cfs_quota_us", base / "cpu.cfs_period_us"
                if quota_file.exists() and period_file.exists():
                    quota = int(quota_file.read_text())
                    period = int(period_file.read_text())
                else:
                    quota, period = -1, 1
            else:
                max_file = Path("/sys/fs/cgroup", paths[""].lstrip("/"), "cpu.max")
                text = max_file.read_text().split() if max_file.exists() else ["max", "1"]
                quota = -1 if text[0] == "max" else int(text[0])
                period = int(text[1])
            if quota <= 0 or abs(quota / period - self.expected["cpus"]) > 0.01:
                problems.append(f"CPU quota {quota}/{period}, not {self.expected['cpus']} CPUs")
        return problems


def as_container(pod: Pod, render: Render) -> ContainerPod:
    """The same declared pod, to be run in a container of the image."""
    values = {f.name: getattr(pod, f.name) for f in fields(Pod)}
    return ContainerPod(**values, image=image(), render=render)

"""Two releases of the code for the version rehearsals: N (this tree) and N+1 (a copy of it with
one extra, compatible inventory migration), each behind its own image tag.

N+1 is a test fixture, never shipped: `src/` is copied to a temporary directory and an expand
step (`items.note`, `serves_code_from` = N's head) is added to the copy's inventory migrations.
The chart is rendered with a distinct tag for the N+1 workloads (image, canary or slot tag), and
the local kubelet maps a container's image tag to a source tree: a pod or Job whose image carries
the N+1 tag runs with PYTHONPATH at the copy (process mode; the editable install of this tree
only comes after PYTHONPATH on sys.path)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from erp.inventory.main import SPEC
from erp.platform.db import normalise_url
from erp.platform.db.migrations import DatabaseState, database_state
from tests.contract.cluster import LocalCluster
from tests.contract.load import Load
from tests.contract.manifests import ROOT
from tests.contract.pods import Pod, build_pod

TAG_N, TAG_N1 = "0.1.0", "0.2.0"
HEAD_N = str(SPEC.migrations.head())
HEAD_N1 = "20991230_0001"

EXPAND = f'''"""N+1 (test fixture): a nullable column, so N still serves the schema it leaves."""
import sqlalchemy as sa
from alembic import op

revision = "{HEAD_N1}"
down_revision = "{HEAD_N}"
branch_labels = None
depends_on = None
serves_code_from = "{HEAD_N}"


def upgrade() -> None:
    op.add_column("items", sa.Column("note", sa.Text()))


def downgrade() -> None:
    op.drop_column("items", "note")
'''


def build_n1_tree(target: Path) -> Path:
    """Copy `src/` to `target` and add N+1's migration; returns the PYTHONPATH of N+1."""
    src = target / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    versions = src / "erp" / "inventory" / "migrations" / "versions"
    (versions / f"{HEAD_N1}_add_item_note.py").write_text(EXPAND)
    return src


def image_tag(container: dict[str, Any]) -> str:
    image = str(container.get("image", "")).split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


@dataclass
class Releases:
    """Image tag → source tree (PYTHONPATH); a tag missing here runs this tree (N)."""

    trees: dict[str, Path] = field(default_factory=dict)

    def tag_of(self, pod: Pod) -> str:
        return image_tag(pod.container)

    def is_n1(self, pod: Pod) -> bool:
        return self.tag_of(pod) == TAG_N1

    def place(self, pod: Pod) -> Pod:
        tree = self.trees.get(self.tag_of(pod))
        if tree is not None:
            pod.env["PYTHONPATH"] = str(tree)
        return pod

    def pod(self, cluster: LocalCluster, workload: dict[str, Any], index: int) -> Pod:
        pod = self.place(build_pod(cluster.render, workload, cluster.workdir, index=index))
        cluster.prepare_databases([pod])  # resolves the pod's env to local addresses
        cluster.pods.append(pod)
        return pod

    def run_job(self, cluster: LocalCluster, job: dict[str, Any], index: int) -> tuple[int, str]:
        """LocalCluster.run_job, with the Job's image tag choosing its source tree."""
        pod = self.place(build_pod(cluster.render, job, cluster.workdir, index=index))
        pod.resolve(cluster.addresses)
        cluster.prepare_databases([])
        assert job["spec"]["template"]["spec"].get("restartPolicy") in ("Never", "OnFailure")
        pod.start()
        assert pod.proc is not None
        try:
            code = pod.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pod.kill()
            code = -1
        return code, pod.tail()


def inventory_state(pod: Pod) -> DatabaseState:
    """The inventory database's revision and the code revisions it serves."""
    url = normalise_url(pod.env["ERP_DATABASE_URL"], service="inventory", data_dir=Path("."))
    return database_state(SPEC.migrations, url)


def readyz(pod: Pod) -> tuple[int, str]:
    answer = httpx.get(f"http://127.0.0.1:{pod.ports['http']}/readyz", timeout=5)
    return answer.status_code, answer.text


def code_head(pod: Pod) -> str:
    """The inventory head of the code a pod runs, read in its own environment."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    if "PYTHONPATH" in pod.env:
        env["PYTHONPATH"] = pod.env["PYTHONPATH"]
    from tests.contract.pods import ENTRYPOINT

    out = subprocess.run(
        [
            ENTRYPOINT[0],
            "-c",
            "from erp.inventory.main import SPEC; print(SPEC.migrations.head())",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip()


@dataclass
class GapLoad(Load):
    """Load that also measures the longest gap between two successful responses (any worker)."""

    longest_gap: float = 0.0
    # (seconds since start, what) of every failure and of each step the test marks: a failure
    # names the step it happened in.
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._last_ok = 0.0
        self._started = time.monotonic()
        self._mark = (0, 0)

    def mark(self, step: str) -> None:
        with self._lock:
            self.timeline.append((time.monotonic() - self._started, f"-- {step}"))

    def _work(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0 if self.new_connection_per_request else 1)
        with httpx.Client(headers=self.headers, limits=limits, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    status = client.get(self.url).status_code
                    error = None if status == 200 else f"HTTP {status}"
                except httpx.HTTPError as exc:
                    status, error = 0, f"{type(exc).__name__}: {exc}"
                now = time.monotonic()
                with self._lock:
                    self.sent += 1
                    self.statuses[status] += 1
                    if error:
                        self.failures.append(error)
                        self.timeline.append((now - self._started, error))
                    else:
                        if self._last_ok:
                            self.longest_gap = max(self.longest_gap, now - self._last_ok)
                        self._last_ok = now

    def start(self) -> None:
        self._started = self._last_ok = time.monotonic()
        super().start()

    def story(self) -> str:
        """The timeline around the failures, for an assertion message."""
        return "\n".join(f"{t:7.2f}s {what}" for t, what in self.timeline)

    def checkpoint(self) -> tuple[int, int, float]:
        """(requests, failures, longest gap) since the previous checkpoint; starts a new window."""
        with self._lock:
            now = time.monotonic()
            gap = max(self.longest_gap, now - self._last_ok)
            figures = (self.sent - self._mark[0], len(self.failures) - self._mark[1], gap)
            self._mark = (self.sent, len(self.failures))
            self.longest_gap = 0.0
            return figures


def start_all(pods: list[Pod]) -> None:
    """Start pods in parallel, each to readiness (a Deployment's pods come up together)."""
    from tests.contract.rollout import start_ready

    errors: list[BaseException] = []

    def one(pod: Pod) -> None:
        try:
            start_ready(pod)
        except BaseException as error:  # reported below, once every pod was waited for
            errors.append(error)

    threads = [threading.Thread(target=one, args=(p,)) for p in pods]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    if errors:
        raise errors[0]

"""Two releases of the code for the version rehearsals: N (this tree, or the built image) and N+1
(N with one extra, compatible inventory migration), each behind its own image tag.

N+1 is a test fixture, never shipped: an expand step (`items.note`, `serves_code_from` = N's
head) added to N's inventory migrations. The chart is rendered with a distinct tag for the N+1
workloads (image, canary or slot tag), and the local kubelet maps a container's image tag to
what runs it:
- process mode: `src/` copied to a temporary directory with the migration added; a pod or Job
  whose image carries the N+1 tag runs with PYTHONPATH at the copy (the editable install of
  this tree only comes after PYTHONPATH on sys.path);
- container mode: an image built from the contract image (`ERP_CONTRACT_IMAGE`) with the one
  migration file layered on top (`podman build`, no RUN step: a second or two); a pod or Job
  with the N+1 tag runs in it. N's head is read from the image, which may be older than the
  tree."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from erp.inventory.main import SPEC
from erp.platform.db import normalise_url
from erp.platform.db.migrations import DatabaseState, database_state
from tests.contract import containers
from tests.contract.cluster import LocalCluster
from tests.contract.manifests import ROOT
from tests.contract.pods import Pod, build_pod

TAG_N, TAG_N1 = "0.1.0", "0.2.0"
HEAD_N = str(SPEC.migrations.head())
HEAD_N1 = "20991230_0001"
N1_MIGRATION = f"{HEAD_N1}_add_item_note.py"
N1_LABEL = "io.erp-system.contract.n1"
# Printed by a Python inside the N image: N's inventory head and where its migrations live.
_READ_IMAGE = (
    "import pathlib, erp.inventory.migrations as m; from erp.inventory.main import SPEC; "
    "print(SPEC.migrations.head()); print(pathlib.Path(m.__file__).parent / 'versions')"
)


def expand_migration(head_n: str) -> str:
    """N+1's migration on top of `head_n`."""
    return f'''"""N+1 (test fixture): a nullable column, so N still serves the schema it leaves."""
import sqlalchemy as sa
from alembic import op

revision = "{HEAD_N1}"
down_revision = "{head_n}"
branch_labels = None
depends_on = None
serves_code_from = "{head_n}"


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
    (versions / N1_MIGRATION).write_text(expand_migration(HEAD_N))
    return src


def _in_image(image: str, code: str) -> list[str]:
    out = subprocess.run(
        [containers.PODMAN, "run", "--rm", "--network", "none", "--entrypoint", "python",
         image, "-c", code],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, f"python in {image} failed: {out.stderr[-2000:]}"
    return out.stdout.split()


def build_n1_image(base: str) -> tuple[str, str]:
    """N+1 as an image: `base` (N) with N+1's migration file added. Returns (N+1 image, N's
    inventory head as the image has it)."""
    head_n, versions = _in_image(base, _READ_IMAGE)
    name, _, tag = base.rpartition(":") if ":" in base.rsplit("/", 1)[-1] else (base, "", "")
    image = f"{name}:{tag or 'latest'}-n1"
    with tempfile.TemporaryDirectory(prefix="erp-n1-") as context:
        (Path(context) / N1_MIGRATION).write_text(expand_migration(head_n))
        (Path(context) / "Containerfile").write_text(
            f"FROM {base}\nCOPY {N1_MIGRATION} {versions}/{N1_MIGRATION}\n"
        )
        built = subprocess.run(
            [containers.PODMAN, "build", "--pull=never", "--label", f"{N1_LABEL}=1",
             "-t", image, "-f", str(Path(context) / "Containerfile"), context],
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
    assert built.returncode == 0, f"building {image} failed:\n{built.stderr[-2000:]}"
    return image, head_n


def remove_image(image: str) -> None:
    subprocess.run(
        [containers.PODMAN, "rmi", "-f", image], capture_output=True, check=False, timeout=120
    )


def image_tag(container: dict[str, Any]) -> str:
    image = str(container.get("image", "")).split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


@dataclass
class Releases:
    """Image tag → what runs it: a source tree (PYTHONPATH, process mode) or a local image
    (container mode); a tag missing here runs N. `head_n` is N's inventory head."""

    trees: dict[str, Path] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    head_n: str = HEAD_N

    def tag_of(self, pod: Pod) -> str:
        return image_tag(pod.container)

    def is_n1(self, pod: Pod) -> bool:
        return self.tag_of(pod) == TAG_N1

    def place(self, pod: Pod) -> Pod:
        tree = self.trees.get(self.tag_of(pod))
        if tree is not None:
            pod.env["PYTHONPATH"] = str(tree)
        image = self.images.get(self.tag_of(pod))
        if image is not None:
            assert isinstance(pod, containers.ContainerPod), "an image runs in container mode"
            pod.image = image
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
    """The inventory head of the code a pod runs, read in its own environment (its image in
    container mode)."""
    if isinstance(pod, containers.ContainerPod):
        return _in_image(pod.image, _READ_IMAGE)[0]
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

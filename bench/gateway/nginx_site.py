"""An nginx instance of the benchmark: its configuration written, its command line."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
# How the gateway runs by default (ERP_SCHED_POLICY=batch), for a like-for-like nginx row.
BATCH = ["chrt", "--batch", "0"]


def nginx_site(
    tmp: str, name: str, backend_port: int, port: int, *, batch: bool = False
) -> list[str]:
    """Write `<tmp>/<name>/nginx.conf` (a reverse proxy on `port` to `backend_port`) and return
    the command that runs it, under SCHED_BATCH when `batch`."""
    home = Path(tmp, name)
    home.mkdir()
    conf = (HERE / "nginx.conf.template").read_text()
    (home / "nginx.conf").write_text(conf.format(tmp=home, backend_port=backend_port, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [*(BATCH if batch else []), nginx, "-p", str(home), "-c", str(home / "nginx.conf")]

"""`erp serve SERVICE` loads what serving needs and nothing else: start-up time and idle memory
of every pod depend on it (bench/services, "start-up and idle memory").

Each case runs the real `erp serve` entry point in a fresh interpreter up to the moment the app
is built and would start listening, then lists the modules loaded. Migrating, the other CLI
commands, the first-start banner and the Dapr state store import their libraries when used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from erp import registry
from tests.support.processes import free_port

# What serving never needs: migrations (Alembic and its templates), the CLI machinery (Typer,
# Click's Rich front end), HTTP clients for other purposes, templating, test tools.
NEVER = ("alembic", "mako", "pygments", "typer", "rich", "httpx", "jinja2", "dapr")
NEVER_IN_TESTS = ("pytest", "hypothesis", "schemathesis")
# aiohttp: Dapr (transport, state store) and finance's inventory client, each on first use.
# Another service's package may be loaded only for its settings class (unknown ERP_* variables
# are warned of): its config module and what that imports (inventory's schemas).
OTHERS_ALLOWED = ("config", "schemas")

# Builds the app exactly as `erp serve` does (erp.cli.main), then prints sys.modules instead of
# listening: the default server and the gateway's own (`spec.serve`) are replaced.
PROBE = """
import dataclasses, importlib, json, sys

from erp import registry
import erp.platform.launch as launch

name = sys.argv[1]

def report(*args, **kwargs):
    print(json.dumps(sorted(sys.modules)))

launch.run = report
module = importlib.import_module(registry.SPECS[name].partition(":")[0])
if module.SPEC.serve is not None:
    module.SPEC = dataclasses.replace(module.SPEC, serve=report)
sys.argv = ["erp", "serve", name]
from erp.cli import main

main()
"""


def _modules_when_built(service: str, tmp_path: Path) -> set[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ERP_") and key != "PYTHONSTARTUP"
    }
    env.update(
        ERP_DATA_DIR=str(tmp_path),
        ERP_JWT_SECRET="lazy-imports-secret-0123456789-0123456789",
        ERP_HOST="127.0.0.1",
        ERP_PORT=str(free_port()),
        ERP_EVENT_TRANSPORT="inprocess",
        ERP_ADMIN_PASSWORD="lazy-imports-admin",
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, service],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    return set(json.loads(last))


def _top_level(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.parametrize("service", registry.names())
def test_serve_loads_only_what_serving_needs(service: str, tmp_path: Path) -> None:
    modules = _modules_when_built(service, tmp_path)
    assert f"erp.{service}.main" in modules  # the probe did build this service's app
    assert "fastapi" in modules and "sqlalchemy" in modules

    loaded = _top_level(modules)
    assert sorted(loaded & {*NEVER, *NEVER_IN_TESTS, "aiohttp"}) == []

    others = [
        m
        for m in modules
        if m.startswith("erp.")
        and m.split(".")[1] in registry.SPECS
        and m.split(".")[1] != service
        and len(m.split(".")) > 2
        and m.split(".")[2] not in OTHERS_ALLOWED
    ]
    assert others == []


def test_head_read_from_source_is_alembics() -> None:
    """The head readiness compares with, read without Alembic, is the one Alembic finds."""
    from erp.platform.db.migrations import _head_from_source

    for name in registry.names():
        migrations = registry.load(name).migrations
        assert _head_from_source(migrations.script_location) is not None
        assert migrations.head() == migrations.scripts().get_current_head()

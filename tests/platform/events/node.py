"""A real process for the fault tests: `python -m tests.platform.events.node SERVICE`.

`ledger` consumes the sample topic; any other name only relays its outbox. Settings come from
ERP_* variables as in production; prints "ready" once the backbone runs; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from erp.platform.app import build_runtime
from erp.platform.events.runtime import attach
from erp.platform.service import ServiceSpec
from erp.platform.settings import ServiceSettings, load_settings
from tests.platform.events import sample


async def main(name: str) -> None:
    spec = sample.spec(name)
    if name != "ledger":
        spec = ServiceSpec(
            name=name,
            title=spec.title,
            settings_cls=spec.settings_cls,
            migrations=spec.migrations,
            routers=spec.routers,
        )
    runtime = build_runtime(spec, load_settings(ServiceSettings))
    backbone = attach(spec, runtime)
    await backbone.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await backbone.stop()
    await runtime.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""`python -m bench.events.consumer`: the consuming service, configured by ERP_* variables."""

from __future__ import annotations

import asyncio
import signal

from bench.events.service import spec
from erp.platform.app import build_runtime
from erp.platform.events.runtime import attach
from erp.platform.settings import ServiceSettings, load_settings


async def main() -> None:
    service = spec("bench-consumer", consumes=True)
    runtime = build_runtime(service, load_settings(ServiceSettings))
    backbone = attach(service, runtime)
    await backbone.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await backbone.stop()
    await runtime.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())

"""A TCP forwarder that can turn into a black hole: connections stay open, nothing answers.

A network partition or a database failover looks like this to a client: no reset, no error,
just silence. `cut()` stops moving bytes both ways and makes new connections hang the same
way, as a dropped route or a firewall DROP rule would.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator


class Blackhole:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._cut = threading.Event()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Blackhole:
        self._thread.start()
        self._ready.wait(5)
        return self

    def cut(self) -> None:
        self._cut.set()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        # Stopped: end every connection's task here, so none is left for the collector to
        # report later, in the middle of another test.
        server.close()
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut.is_set():
            await asyncio.Event().wait()  # accepted, never answered
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if self._cut.is_set():
                    await asyncio.Event().wait()  # swallow the rest, forever
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()


@contextlib.contextmanager
def blackhole(host: str, port: int) -> Iterator[Blackhole]:
    hole = Blackhole(host, port).start()
    try:
        yield hole
    finally:
        hole.stop()

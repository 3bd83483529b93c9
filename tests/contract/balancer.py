"""A stand-in for a Service's endpoints and kube-proxy: a TCP balancer on loopback that sends
new connections round-robin to the endpoints currently in its set.

Endpoints join when their readiness probe passes (polled at the probe's period, as the
endpoints controller would see them) and leave when their pod starts terminating (after a
short propagation delay, during which the pod's preStop keeps it serving)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import threading
from dataclasses import dataclass, field


@dataclass
class Endpoint:
    name: str
    port: int
    weight_key: str = ""  # which backend group (e.g. stable / canary) it belongs to


@dataclass
class Balancer:
    """Run with `start()` in a background thread; mutate endpoints from any thread.

    With `weights` ({group: weight}) each new connection first picks a group by weight (as an
    nginx canary Ingress does per request; clients open one connection per request there)."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    port: int = 0
    connections: dict[str, int] = field(default_factory=dict)
    refused: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._cycle = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def set_endpoints(self, endpoints: list[Endpoint]) -> None:
        with self._lock:
            self.endpoints = {e.name: e for e in endpoints}

    def add(self, endpoint: Endpoint) -> None:
        with self._lock:
            self.endpoints[endpoint.name] = endpoint

    def remove(self, name: str) -> None:
        with self._lock:
            self.endpoints.pop(name, None)

    def _pick(self) -> Endpoint | None:
        with self._lock:
            live = sorted(self.endpoints.values(), key=lambda e: e.name)
            if self.weights:
                groups = [g for g in self.weights if any(e.weight_key == g for e in live)]
                if groups:
                    group = random.choices(groups, [self.weights[g] for g in groups])[0]
                    live = [e for e in live if e.weight_key == group]
            if not live:
                return None
            return live[next(self._cycle) % len(live)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        endpoint = self._pick()
        if endpoint is None:
            self.refused += 1
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        except OSError:
            self.refused += 1
            writer.close()
            return
        self.connections[endpoint.name] = self.connections.get(endpoint.name, 0) + 1

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(RuntimeError):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def start(self) -> None:
        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                self.port = server.sockets[0].getsockname()[1]
                self._ready.set()
                async with server:
                    await server.serve_forever()

            with contextlib.suppress(RuntimeError, asyncio.CancelledError):
                loop.run_until_complete(main())

        threading.Thread(target=run, daemon=True, name="balancer").start()
        self._ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)

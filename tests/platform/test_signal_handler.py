"""SIGTERM can arrive while the main thread is inside a log call: the handler must not need
anything that call holds (stdout's write lock is not reentrant), or the process hangs until
the kubelet kills it, with its in-flight requests unanswered."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Logs one line through a stdout that sends the process SIGTERM from inside the write, so
# the handler runs while the logger holds its lock; then runs the loop the handler scheduled.
SCRIPT = textwrap.dedent(
    """
    import asyncio, io, os, signal, sys

    import uvicorn

    from erp.platform.logging import configure_logging, get_logger
    from erp.platform.server import GracefulServer

    real = sys.stdout

    class SignallingStdout(io.TextIOBase):
        armed = True

        def write(self, text):
            if self.armed:
                self.armed = False
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(10_000):  # the handler runs at one of these bytecodes
                    pass
            return real.write(text)

        def flush(self):
            real.flush()

    sys.stdout = SignallingStdout()
    configure_logging(level="INFO", fmt="json")

    async def app(scope, receive, send):
        pass

    async def main():
        server = GracefulServer(
            uvicorn.Config(app),
            shutdown_delay=0.0,
            drain_timeout=1.0,
            on_shutdown_begin=lambda: None,
        )
        server._loop = asyncio.get_running_loop()
        signal.signal(signal.SIGTERM, server.handle_exit)
        get_logger("test").info("serving")  # SIGTERM lands inside this call
        for _ in range(100):
            if server.should_exit:
                print("exiting", file=real, flush=True)
                return
            await asyncio.sleep(0.05)
        print("never asked to exit", file=real, flush=True)

    asyncio.run(main())
    """
)


def test_sigterm_inside_a_log_call_still_shuts_down() -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired as hung:
        raise AssertionError("the process hung in its SIGTERM handler") from hung
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "exiting", done.stdout[-2000:]
    # The handler's work was done on the loop: shutdown began, logged once.
    assert sum('"shutdown_started"' in line for line in lines) == 1, done.stdout[-2000:]

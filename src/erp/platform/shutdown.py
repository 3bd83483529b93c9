"""Bounded shutdown: every step after the drain has a deadline, and the process has one too.

When PostgreSQL fails over or Redis is partitioned away, which is exactly when pods are being
replaced, closing a pool or stopping a consumer can wait on a socket that never answers. A step
that overruns its share is abandoned, not awaited (cancelling it would wait for its cleanup on
the same dead socket); a watchdog thread ends the process with exit 0 if the event loop itself
is stuck, so the kubelet never has to SIGKILL it. Nothing is lost either way: every write is a
committed transaction or none, and events wait in the outbox.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Awaitable

from erp.platform.logging import get_logger

log = get_logger(__name__)

# What the lifespan's shutdown (events, hooks, pools) may take after the drain; the chart's
# grace period keeps a margin of 5 s beyond the preStop sleep and the drain.
STEPS_SECONDS = 3.0
# The watchdog fires this long after the steps' deadline.
WATCHDOG_SLACK_SECONDS = 1.0


class StepBudget:
    """One deadline shared by the steps of a shutdown, in order."""

    def __init__(self, seconds: float = STEPS_SECONDS) -> None:
        self._deadline = time.monotonic() + seconds

    def left(self, floor: float = 0.2) -> float:
        return max(self._deadline - time.monotonic(), floor)

    async def run(self, step: str, work: Awaitable[object]) -> None:
        """Run one step within what is left of the budget; log and move on if it fails."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.left())
        if not done:
            task.cancel()
            log.warning("shutdown_step_abandoned", step=step)
            return
        if not task.cancelled() and task.exception() is not None:
            log.warning("shutdown_step_failed", step=step, error=repr(task.exception()))


def start_watchdog(seconds: float) -> threading.Timer:
    """End the process with exit 0 after `seconds` if it has not ended by itself."""

    def expire() -> None:
        log.warning("shutdown_forced", after_seconds=seconds)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer

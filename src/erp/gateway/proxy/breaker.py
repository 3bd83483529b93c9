"""A circuit breaker per upstream: fail fast while a backend is down, probe it after a pause."""

from __future__ import annotations

from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = 0, 1, 2


class CircuitBreaker:
    """Opens after `failures` consecutive failures; after `cooldown` seconds lets one probe in."""

    def __init__(
        self,
        *,
        failures: int,
        cooldown: float,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self.state = CLOSED
        self.failures = 0
        self._changed_at = 0.0
        self._on_change = on_change

    def _set(self, state: int, now: float) -> None:
        self.state = state
        self._changed_at = now
        if self._on_change is not None:
            self._on_change(state)

    def allow(self, now: float) -> bool:
        """May a request go to this upstream now? In half-open state only the probe may."""
        if self.state == CLOSED:
            return True
        if now - self._changed_at >= self.cooldown:
            # Open long enough, or a probe that never reported back: let one (more) probe in.
            self._set(HALF_OPEN, now)
            return True
        return False

    def success(self, now: float) -> None:
        self.failures = 0
        if self.state != CLOSED:
            self._set(CLOSED, now)

    def failure(self, now: float) -> None:
        self.failures += 1
        if self.state == HALF_OPEN or (self.state == CLOSED and self.failures >= self.threshold):
            self._set(OPEN, now)

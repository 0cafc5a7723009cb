"""The one injected clock.

Everything that needs the time or needs to wait takes a :class:`Clock`. The system clock is the
only place onshift reads the wall clock; :class:`SimulatedClock` lets drills and tests run the
production code path at simulated speed, bit-exactly.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SimulatedClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Aware-UTC time and waiting."""

    def now(self) -> datetime: ...

    def sleep(self, duration: timedelta) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, duration: timedelta) -> None:
        seconds = duration.total_seconds()
        if seconds > 0:
            time.sleep(seconds)


class SimulatedClock:
    """A clock that only moves when told to (``sleep`` or ``advance``)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            msg = "SimulatedClock needs an aware datetime (UTC)"
            raise ValueError(msg)
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def sleep(self, duration: timedelta) -> None:
        self.advance(duration)

    def advance(self, duration: timedelta) -> None:
        if duration < timedelta(0):
            msg = "a clock cannot go backwards"
            raise ValueError(msg)
        self._now += duration

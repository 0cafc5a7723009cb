"""The ``IncidentStore`` port, the wake-up index, and the in-memory store.

A store keeps each incident's append-only timeline and its pending escalation wake-up. Every
write validates the new events against the reducer first and is all-or-nothing; once a write
returns, its events are durable (for the SQL store) and visible to every reader.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol, runtime_checkable

from onshift.errors import ConflictError, NotFoundError
from onshift.incident.events import Event, IncidentOpened
from onshift.incident.reducer import IncidentState, fold

__all__ = [
    "KEEP",
    "Incident",
    "IncidentStore",
    "Keep",
    "MemoryIncidentStore",
    "WakeAt",
    "WakeupIndex",
]


class Keep(Enum):
    """Leave the pending wake-up as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP
WakeAt = datetime | None | Keep


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """An incident as stored: its id, its folded state and its version (= number of events)."""

    id: int
    state: IncidentState
    version: int


@runtime_checkable
class IncidentStore(Protocol):
    def create(
        self,
        opened: IncidentOpened,
        *,
        followed_by: Sequence[Event] = (),
        wake_at: datetime | None = None,
    ) -> Incident:
        """Open a new incident, with ``followed_by`` as its next events, in one atomic write.

        Either the whole timeline is stored (version ``1 + len(followed_by)``) or nothing is.
        Raises ConflictError if an open incident already has the same fingerprint.
        """
        ...

    def append(
        self,
        incident_id: int,
        events: Sequence[Event],
        *,
        expected_version: int | None = None,
        wake_at: WakeAt = KEEP,
    ) -> Incident:
        """Append ``events`` atomically (validated by the reducer) and set the wake-up.

        With ``expected_version``, raises ConflictError if someone else wrote in between.
        """
        ...

    def get(self, incident_id: int) -> Incident: ...

    def timeline(self, incident_id: int) -> tuple[Event, ...]: ...

    def incidents(self, *, open_only: bool = False) -> list[Incident]: ...

    def find_open(self, fingerprint: str) -> Incident | None: ...

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        """Pending wake-ups at or before ``now``, earliest first."""
        ...

    def next_wake(self) -> datetime | None: ...

    def close(self) -> None: ...


class WakeupIndex:
    """Pending wake-ups by time: finding the due ones costs O(due · log n), not O(n)."""

    def __init__(self) -> None:
        self._at: dict[int, datetime] = {}
        self._heap: list[tuple[datetime, int]] = []

    def __len__(self) -> int:
        return len(self._at)

    def get(self, key: int) -> datetime | None:
        return self._at.get(key)

    def set(self, key: int, at: datetime | None) -> None:
        if at is None:
            self._at.pop(key, None)
            return
        if self._at.get(key) == at:
            return
        self._at[key] = at
        heapq.heappush(self._heap, (at, key))

    def _prune(self) -> None:
        heap = self._heap
        while heap and self._at.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        out: list[tuple[int, datetime]] = []
        heap = self._heap
        self._prune()
        while heap and heap[0][0] <= now:
            at, key = heapq.heappop(heap)
            if self._at.get(key) == at:
                out.append((key, at))
            self._prune()
        for key, at in out:
            heapq.heappush(heap, (at, key))
        return out

    def next(self) -> datetime | None:
        self._prune()
        return self._heap[0][0] if self._heap else None


class MemoryIncidentStore:
    """An in-memory :class:`IncidentStore` with the same checks as the SQL one."""

    def __init__(self) -> None:
        self._timelines: dict[int, list[Event]] = {}
        self._states: dict[int, IncidentState] = {}
        self._wakeups = WakeupIndex()

    def _open_with(self, fingerprint: str) -> int | None:
        if not fingerprint:
            return None
        for key, state in self._states.items():
            if state.is_open and state.fingerprint == fingerprint:
                return key
        return None

    def create(
        self,
        opened: IncidentOpened,
        *,
        followed_by: Sequence[Event] = (),
        wake_at: datetime | None = None,
    ) -> Incident:
        events = [opened, *followed_by]
        state = fold(events)
        # Like the SQL store's unique open_fingerprint: only an incident still open holds it.
        if state.is_open and self._open_with(state.fingerprint) is not None:
            msg = f"an open incident already has fingerprint {state.fingerprint!r}"
            raise ConflictError(msg)
        key = len(self._timelines) + 1
        self._timelines[key] = events
        self._states[key] = state
        self._wakeups.set(key, wake_at)
        return Incident(id=key, state=state, version=len(events))

    def append(
        self,
        incident_id: int,
        events: Sequence[Event],
        *,
        expected_version: int | None = None,
        wake_at: WakeAt = KEEP,
    ) -> Incident:
        current = self.get(incident_id)
        if expected_version is not None and expected_version != current.version:
            msg = (
                f"incident {incident_id} changed"
                f" (version {current.version}, expected {expected_version})"
            )
            raise ConflictError(msg)
        state = fold(events, current.state)
        if state.is_open and not current.state.is_open and state.fingerprint:
            other = self._open_with(state.fingerprint)
            if other is not None:
                msg = f"incident {other} is open with the same fingerprint {state.fingerprint!r}"
                raise ConflictError(msg)
        self._timelines[incident_id].extend(events)
        self._states[incident_id] = state
        if not isinstance(wake_at, Keep):
            self._wakeups.set(incident_id, wake_at)
        return Incident(id=incident_id, state=state, version=current.version + len(events))

    def get(self, incident_id: int) -> Incident:
        state = self._states.get(incident_id)
        if state is None:
            msg = f"no incident {incident_id}"
            raise NotFoundError(msg)
        return Incident(id=incident_id, state=state, version=len(self._timelines[incident_id]))

    def timeline(self, incident_id: int) -> tuple[Event, ...]:
        self.get(incident_id)
        return tuple(self._timelines[incident_id])

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        return [
            self.get(key)
            for key in sorted(self._states)
            if not open_only or self._states[key].is_open
        ]

    def find_open(self, fingerprint: str) -> Incident | None:
        key = self._open_with(fingerprint)
        return None if key is None else self.get(key)

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        return self._wakeups.due(now)

    def next_wake(self) -> datetime | None:
        return self._wakeups.next()

    def close(self) -> None:
        """Nothing to release."""

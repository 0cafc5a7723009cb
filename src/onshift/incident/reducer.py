"""The incident's state as a pure fold over its timeline.

``triggered → acknowledged → mitigated → resolved``; ``resolved`` may follow ``triggered`` or
``acknowledged`` directly, and a resolved (or mitigated, or acknowledged) incident may go back to
``triggered`` (reopen, regression, acknowledgement expired). A reverted mitigation goes back to
the status the incident had before it (``triggered`` if nobody acknowledged, so the ladder pages
again). Any event its state does not allow raises :class:`~onshift.errors.InvalidTransition`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from onshift.errors import InvalidTransition
from onshift.incident.events import (
    Acknowledged,
    AlertFired,
    AlertResolved,
    CommanderAssigned,
    DeliveryFailed,
    Escalated,
    Event,
    IncidentOpened,
    MitigationApplied,
    MitigationReverted,
    MitigationVerified,
    Note,
    PageSent,
    Resolved,
    Severity,
    SeverityChanged,
    Status,
    StatusChanged,
    TicketOpened,
)

__all__ = ["ALLOWED_STATUS_CHANGES", "IncidentState", "apply", "fold"]

T, A, M, R = Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED, Status.RESOLVED
OPEN = frozenset({T, A, M})

#: Every edge of the state machine (a ``StatusChanged`` may take any of them).
ALLOWED_STATUS_CHANGES: frozenset[tuple[Status, Status]] = frozenset(
    {(T, A), (T, M), (T, R), (A, M), (A, R), (A, T), (M, R), (M, T), (M, A), (R, T)}
)

# Which states each kind of event may be applied in (state changes are checked separately).
_ALLOWED_IN: dict[type[Event], frozenset[Status]] = {
    AlertFired: OPEN,
    AlertResolved: frozenset({T, A, M, R}),
    PageSent: frozenset({T, A}),
    Escalated: frozenset({T, A}),
    TicketOpened: OPEN,
    DeliveryFailed: OPEN,
    Acknowledged: frozenset({T}),
    Note: frozenset({T, A, M, R}),
    SeverityChanged: OPEN,
    CommanderAssigned: OPEN,
    MitigationApplied: OPEN,
    MitigationVerified: OPEN,  # a further verified step while mitigated changes nothing
    MitigationReverted: OPEN,
    StatusChanged: frozenset({T, A, M, R}),
    Resolved: OPEN,
}

StepKey = tuple[datetime, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentState:
    """Everything the timeline says about an incident, as of its last event."""

    title: str
    severity: Severity
    status: Status
    service: str = ""
    fingerprint: str = ""
    policy: str = ""
    opened_at: datetime
    fault_started_at: datetime | None = None
    triggered_at: datetime  # the latest moment the incident (re-)entered ``triggered``
    acknowledged_at: datetime | None = None  # latest acknowledgement
    acknowledged_by: str = ""
    first_acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None  # first time the service was healthy again
    mitigated_from: Status | None = None  # the status a reverted mitigation goes back to
    resolved_at: datetime | None = None  # latest resolution
    commander: str = ""
    severity_changes: tuple[tuple[datetime, Severity], ...] = ()  # includes the opening one
    steps_done: frozenset[StepKey] = frozenset()  # (ladder start, step) of escalation steps
    steps_delivered: frozenset[StepKey] = frozenset()
    steps_failed: tuple[tuple[StepKey, datetime], ...] = ()
    alerts: int = 0
    last_event_at: datetime
    events: int = 1

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    def failed_at(self, key: StepKey) -> datetime | None:
        """When step ``key`` was last found undeliverable, if it never reached anyone."""
        if key in self.steps_delivered:
            return None
        found = None
        for failed_key, when in self.steps_failed:
            if failed_key == key:
                found = when
        return found


def _reject(state: IncidentState | None, event: Event, detail: str = "") -> InvalidTransition:
    where = "none" if state is None else str(state.status)
    return InvalidTransition(state=where, event=str(event.kind), detail=detail)


def _move(state: IncidentState, event: Event, to: Status) -> IncidentState:
    if (state.status, to) not in ALLOWED_STATUS_CHANGES:
        raise _reject(state, event, f"{state.status} cannot become {to}")
    changes: dict[str, object] = {"status": to}
    if to is T:
        changes["triggered_at"] = event.at
    elif to is A:
        changes["acknowledged_at"] = event.at
        if state.first_acknowledged_at is None:
            changes["first_acknowledged_at"] = event.at
    elif to is M:
        changes["mitigated_from"] = state.status
        if state.mitigated_at is None:
            changes["mitigated_at"] = event.at
    elif to is R:
        changes["resolved_at"] = event.at
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


def _open(event: IncidentOpened) -> IncidentState:
    return IncidentState(
        title=event.title,
        severity=event.severity,
        status=T,
        service=event.service,
        fingerprint=event.fingerprint,
        policy=event.policy,
        opened_at=event.at,
        fault_started_at=event.fault_started_at,
        triggered_at=event.at,
        severity_changes=((event.at, event.severity),),
        alerts=1 if event.fingerprint else 0,
        last_event_at=event.at,
    )


def apply(state: IncidentState | None, event: Event) -> IncidentState:  # noqa: PLR0912
    """The state after ``event``; raises :class:`InvalidTransition` if it is not allowed."""
    if isinstance(event, IncidentOpened):
        if state is not None:
            raise _reject(state, event, "an incident is opened only once")
        return _open(event)
    if state is None:
        raise _reject(state, event, "the first event must open the incident")
    allowed = _ALLOWED_IN.get(type(event))
    if allowed is None or state.status not in allowed:
        raise _reject(state, event)
    new = state
    if isinstance(event, AlertFired):
        new = dataclasses.replace(state, alerts=state.alerts + 1)
    elif isinstance(event, Acknowledged):
        new = dataclasses.replace(_move(state, event, A), acknowledged_by=event.actor)
    elif isinstance(event, MitigationVerified) and state.status is not M:
        new = _move(state, event, M)
    elif isinstance(event, MitigationReverted) and state.status is M:
        # Back to where it was: an incident nobody acknowledged is triggered again and pages.
        new = _move(state, event, state.mitigated_from or A)
    elif isinstance(event, Resolved):
        new = _move(state, event, R)
    elif isinstance(event, StatusChanged):
        new = _move(state, event, event.status)
        if event.status is A:
            new = dataclasses.replace(new, acknowledged_by=event.actor)
    elif isinstance(event, SeverityChanged):
        if event.severity is state.severity:
            raise _reject(state, event, f"the severity is already {event.severity}")
        new = dataclasses.replace(
            state,
            severity=event.severity,
            severity_changes=(*state.severity_changes, (event.at, event.severity)),
        )
    elif isinstance(event, CommanderAssigned):
        new = dataclasses.replace(state, commander=event.commander)
    elif isinstance(event, Escalated):
        new = dataclasses.replace(
            state, steps_done=state.steps_done | {(event.ladder_start, event.step)}
        )
    elif isinstance(event, PageSent | TicketOpened) and event.ladder_start is not None:
        new = dataclasses.replace(
            state, steps_delivered=state.steps_delivered | {(event.ladder_start, event.step)}
        )
    elif isinstance(event, DeliveryFailed):
        key = (event.ladder_start, event.step)
        new = dataclasses.replace(state, steps_failed=(*state.steps_failed, (key, event.at)))
    return dataclasses.replace(
        new, last_event_at=max(state.last_event_at, event.at), events=state.events + 1
    )


def fold(events: Iterable[Event], state: IncidentState | None = None) -> IncidentState:
    """Apply ``events`` in order; an empty timeline has no state and is an error."""
    for event in events:
        state = apply(state, event)
    if state is None:
        raise InvalidTransition(state="none", event="none", detail="the timeline is empty")
    return state

"""The typed events an incident timeline is made of.

Every event carries when it happened (aware UTC), who or what did it (``actor``) and its own
typed data. The timeline is append-only; the incident's state is a fold over it
(:mod:`onshift.incident.reducer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

__all__ = [
    "Acknowledged",
    "AlertFired",
    "AlertResolved",
    "Channel",
    "CommanderAssigned",
    "DeliveryFailed",
    "Escalated",
    "Event",
    "EventKind",
    "IncidentOpened",
    "MitigationApplied",
    "MitigationReverted",
    "MitigationVerified",
    "Note",
    "PageSent",
    "Resolved",
    "Severity",
    "SeverityChanged",
    "Status",
    "StatusChanged",
    "TicketOpened",
]


class Severity(StrEnum):
    """``sev1`` (critical, user-facing outage) … ``sev4`` (minor)."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


class Channel(StrEnum):
    """How a notification reaches people: a page interrupts now, a ticket waits for work hours."""

    PAGE = "page"
    TICKET = "ticket"


class EventKind(StrEnum):
    OPENED = "opened"
    ALERT_FIRED = "alert_fired"
    ALERT_RESOLVED = "alert_resolved"
    PAGE_SENT = "page_sent"
    TICKET_OPENED = "ticket_opened"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    NOTE = "note"
    SEVERITY_CHANGED = "severity_changed"
    COMMANDER_ASSIGNED = "commander_assigned"
    MITIGATION_APPLIED = "mitigation_applied"
    MITIGATION_VERIFIED = "mitigation_verified"
    MITIGATION_REVERTED = "mitigation_reverted"
    STATUS_CHANGED = "status_changed"
    RESOLVED = "resolved"


def _check_time(at: datetime) -> None:
    if at.tzinfo is None:
        msg = f"event times must be timezone-aware, got {at!r}"
        raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Common fields of every timeline event."""

    kind: ClassVar[EventKind]
    at: datetime
    actor: str = "onshift"

    def __post_init__(self) -> None:
        _check_time(self.at)


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentOpened(Event):
    """The first event of every incident."""

    kind: ClassVar[EventKind] = EventKind.OPENED
    title: str
    severity: Severity
    service: str = ""
    fingerprint: str = ""
    policy: str = ""
    fault_started_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_time(self.at)
        if not self.title.strip():
            msg = "an incident needs a non-empty title"
            raise ValueError(msg)
        if self.fault_started_at is not None:
            _check_time(self.fault_started_at)
            if self.fault_started_at > self.at:
                msg = "the fault cannot start after the incident was opened"
                raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertFired(Event):
    kind: ClassVar[EventKind] = EventKind.ALERT_FIRED
    fingerprint: str
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertResolved(Event):
    kind: ClassVar[EventKind] = EventKind.ALERT_RESOLVED
    fingerprint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalated(Event):
    """One step of the escalation ladder was carried out (its notifications follow)."""

    kind: ClassVar[EventKind] = EventKind.ESCALATED
    level: int
    step: int
    ladder_start: datetime
    channel: Channel = Channel.PAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class PageSent(Event):
    kind: ClassVar[EventKind] = EventKind.PAGE_SENT
    target: str
    via: str
    level: int
    step: int
    ladder_start: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOpened(Event):
    kind: ClassVar[EventKind] = EventKind.TICKET_OPENED
    target: str
    via: str
    step: int = 0
    ladder_start: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFailed(Event):
    """A notification could not be delivered after every retry (or nobody could be found)."""

    kind: ClassVar[EventKind] = EventKind.DELIVERY_FAILED
    target: str
    via: str
    level: int
    step: int
    ladder_start: datetime
    channel: Channel = Channel.PAGE
    attempts: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Acknowledged(Event):
    """Someone (the ``actor``) has taken the page."""

    kind: ClassVar[EventKind] = EventKind.ACKNOWLEDGED


@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Event):
    kind: ClassVar[EventKind] = EventKind.NOTE
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityChanged(Event):
    kind: ClassVar[EventKind] = EventKind.SEVERITY_CHANGED
    severity: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class CommanderAssigned(Event):
    kind: ClassVar[EventKind] = EventKind.COMMANDER_ASSIGNED
    commander: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MitigationApplied(Event):
    kind: ClassVar[EventKind] = EventKind.MITIGATION_APPLIED
    action: str = ""
    detail: str = ""  # e.g. the runbook journal line


@dataclass(frozen=True, slots=True, kw_only=True)
class MitigationVerified(Event):
    """The service is healthy again (the cause may not be fixed yet)."""

    kind: ClassVar[EventKind] = EventKind.MITIGATION_VERIFIED
    action: str = ""
    detail: str = ""  # e.g. the runbook journal line


@dataclass(frozen=True, slots=True, kw_only=True)
class MitigationReverted(Event):
    kind: ClassVar[EventKind] = EventKind.MITIGATION_REVERTED
    action: str = ""
    detail: str = ""  # e.g. the runbook journal line


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(Event):
    """A status change without a dedicated event: reopen, acknowledgement expired, regression."""

    kind: ClassVar[EventKind] = EventKind.STATUS_CHANGED
    status: Status
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved(Event):
    kind: ClassVar[EventKind] = EventKind.RESOLVED
    reason: str = ""

"""Incident commands (open, acknowledge, mitigate, resolve, note, severity) over a store.

Every command appends to the timeline and marks the incident due for an escalation check at
once, so a runner re-decides with the new state (an acknowledgement stops the ladder, a
severity change may start paging). With a notifier, acknowledge and resolve are passed on
(PagerDuty ``acknowledge`` / ``resolve``) for incidents that paged someone.
"""

from __future__ import annotations

from datetime import datetime

from onshift.clock import Clock
from onshift.errors import InputError
from onshift.incident.events import (
    Acknowledged,
    Channel,
    CommanderAssigned,
    Event,
    IncidentOpened,
    MitigationVerified,
    Note,
    Resolved,
    Severity,
    SeverityChanged,
    Status,
    StatusChanged,
)
from onshift.incident.store import Incident, IncidentStore
from onshift.oncall.notify import Action, Notification, Notifier, RetryPolicy, deliver

__all__ = ["IncidentService"]


class IncidentService:
    def __init__(
        self,
        *,
        store: IncidentStore,
        clock: Clock,
        notifier: Notifier | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._retry = retry or RetryPolicy()

    def open(
        self,
        *,
        title: str,
        severity: Severity,
        actor: str,
        service: str = "",
        policy: str = "",
        fingerprint: str = "",
        commander: str = "",
        fault_started_at: datetime | None = None,
    ) -> Incident:
        now = self._clock.now()
        try:
            opened = IncidentOpened(
                at=now,
                actor=actor,
                title=title,
                severity=severity,
                service=service,
                policy=policy,
                fingerprint=fingerprint,
                fault_started_at=fault_started_at,
            )
        except ValueError as exc:
            raise InputError.single(str(exc)) from None
        # The commander is written with the opening, so a failed write cannot leave an
        # incident without the commander it was opened with.
        more = [CommanderAssigned(at=now, actor=actor, commander=commander)] if commander else []
        return self._store.create(opened, followed_by=more, wake_at=now)

    def _append(self, incident_id: int, event: Event) -> Incident:
        return self._store.append(incident_id, [event], wake_at=self._clock.now())

    def acknowledge(self, incident_id: int, *, by: str) -> Incident:
        incident = self._append(incident_id, Acknowledged(at=self._clock.now(), actor=by))
        self._tell(incident, Action.ACKNOWLEDGE)
        return incident

    def mitigate(self, incident_id: int, *, by: str, action: str = "") -> Incident:
        return self._append(
            incident_id, MitigationVerified(at=self._clock.now(), actor=by, action=action)
        )

    def resolve(self, incident_id: int, *, by: str, reason: str = "") -> Incident:
        incident = self._append(
            incident_id, Resolved(at=self._clock.now(), actor=by, reason=reason)
        )
        self._tell(incident, Action.RESOLVE)
        return incident

    def reopen(self, incident_id: int, *, by: str, reason: str = "") -> Incident:
        event = StatusChanged(
            at=self._clock.now(), actor=by, status=Status.TRIGGERED, reason=reason or "reopened"
        )
        return self._append(incident_id, event)

    def note(self, incident_id: int, text: str, *, by: str) -> Incident:
        return self._append(incident_id, Note(at=self._clock.now(), actor=by, text=text))

    def set_severity(self, incident_id: int, severity: Severity, *, by: str) -> Incident:
        event = SeverityChanged(at=self._clock.now(), actor=by, severity=severity)
        return self._append(incident_id, event)

    def assign_commander(self, incident_id: int, commander: str, *, by: str) -> Incident:
        event = CommanderAssigned(at=self._clock.now(), actor=by, commander=commander)
        return self._append(incident_id, event)

    def _tell(self, incident: Incident, action: Action) -> None:
        if self._notifier is None or not incident.state.steps_delivered:
            return
        notification = Notification(
            action=action,
            channel=Channel.PAGE,
            incident_id=incident.id,
            title=incident.state.title,
            severity=incident.state.severity,
            service=incident.state.service,
        )
        outcome = deliver(self._notifier, notification, self._clock, self._retry)
        if not outcome.delivered:
            text = f"could not pass {action} on after {outcome.attempts} attempts: {outcome.error}"
            self._store.append(
                incident.id, [Note(at=self._clock.now(), actor="notifier", text=text)]
            )

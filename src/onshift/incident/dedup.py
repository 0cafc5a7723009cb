"""Dedup: an alert whose fingerprint matches an open incident attaches to it.

The store guarantees at most one open incident per fingerprint, so two alerts racing to open
the same incident end with one incident and one attached alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onshift.errors import ConflictError
from onshift.incident.events import AlertFired, IncidentOpened, Severity
from onshift.incident.store import Incident, IncidentStore

__all__ = ["IncomingAlert", "ingest_alert"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingAlert:
    fingerprint: str
    title: str
    severity: Severity
    fired_at: datetime
    service: str = ""
    summary: str = ""
    policy: str = ""
    fault_started_at: datetime | None = None
    source: str = "alert"

    def __post_init__(self) -> None:
        if not self.fingerprint:
            msg = "an alert needs a fingerprint to be deduplicated"
            raise ValueError(msg)


def ingest_alert(store: IncidentStore, alert: IncomingAlert) -> tuple[Incident, bool]:
    """Attach ``alert`` to the open incident with its fingerprint, or open one.

    Returns the incident and whether it was newly opened. The new or changed incident is due
    for an escalation check at once.
    """
    for _ in range(3):
        existing = store.find_open(alert.fingerprint)
        if existing is not None:
            fired = AlertFired(
                at=alert.fired_at,
                actor=alert.source,
                fingerprint=alert.fingerprint,
                summary=alert.summary,
            )
            return store.append(existing.id, [fired]), False
        opened = IncidentOpened(
            at=alert.fired_at,
            actor=alert.source,
            title=alert.title,
            severity=alert.severity,
            service=alert.service,
            fingerprint=alert.fingerprint,
            policy=alert.policy,
            fault_started_at=alert.fault_started_at,
        )
        try:
            return store.create(opened, wake_at=alert.fired_at), True
        except ConflictError:
            continue  # another writer opened it between our look-up and our insert
    msg = f"could not attach or open an incident for fingerprint {alert.fingerprint!r}"
    raise ConflictError(msg)

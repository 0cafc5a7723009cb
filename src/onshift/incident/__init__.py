"""Incidents: the typed timeline, the state fold, metrics, dedup and the store port.

The SQL store lives in :mod:`onshift.incident.sqlstore` (imported on demand: it needs
SQLAlchemy).
"""

from __future__ import annotations

from onshift.incident.dedup import IncomingAlert, ingest_alert
from onshift.incident.events import (
    Acknowledged,
    AlertFired,
    AlertResolved,
    Channel,
    CommanderAssigned,
    DeliveryFailed,
    Escalated,
    Event,
    EventKind,
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
from onshift.incident.metrics import IncidentTimes, MetricSummary, incident_times, summarize
from onshift.incident.reducer import IncidentState, apply, fold
from onshift.incident.store import KEEP, Incident, IncidentStore, MemoryIncidentStore

__all__ = [
    "KEEP",
    "Acknowledged",
    "AlertFired",
    "AlertResolved",
    "Channel",
    "CommanderAssigned",
    "DeliveryFailed",
    "Escalated",
    "Event",
    "EventKind",
    "Incident",
    "IncidentOpened",
    "IncidentState",
    "IncidentStore",
    "IncidentTimes",
    "IncomingAlert",
    "MemoryIncidentStore",
    "MetricSummary",
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
    "apply",
    "fold",
    "incident_times",
    "ingest_alert",
    "summarize",
]

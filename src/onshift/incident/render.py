"""Incidents and timelines as JSON-ready values and as one-line text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onshift.incident import events as ev
from onshift.incident.codec import event_to_json
from onshift.incident.events import Event
from onshift.incident.metrics import incident_times
from onshift.incident.store import Incident
from onshift.units import to_iso

__all__ = ["describe", "incident_json", "timeline_json"]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def incident_json(incident: Incident, *, with_metrics: bool = False) -> dict[str, Any]:
    s = incident.state
    out: dict[str, Any] = {
        "id": incident.id,
        "title": s.title,
        "severity": str(s.severity),
        "status": str(s.status),
        "service": s.service,
        "fingerprint": s.fingerprint,
        "policy": s.policy,
        "commander": s.commander,
        "opened_at": to_iso(s.opened_at),
        "acknowledged_at": _iso(s.acknowledged_at),
        "acknowledged_by": s.acknowledged_by or None,
        "mitigated_at": _iso(s.mitigated_at),
        "resolved_at": _iso(s.resolved_at),
        "alerts": s.alerts,
        "events": incident.version,
    }
    if with_metrics:
        times = incident_times(s)
        out["metrics_s"] = {
            "detect": _seconds(times.detect),
            "acknowledge": _seconds(times.acknowledge),
            "mitigate": _seconds(times.mitigate),
            "resolve": _seconds(times.resolve),
        }
    return out


def timeline_json(events: tuple[Event, ...]) -> list[dict[str, Any]]:
    return [event_to_json(e, seq) for seq, e in enumerate(events, start=1)]


def describe(event: Event) -> str:  # noqa: PLR0911 - one line per kind reads best flat
    """One human line for ``event`` (without time and actor)."""
    if isinstance(event, ev.IncidentOpened):
        service = f" on {event.service}" if event.service else ""
        return f"opened {event.severity}{service}: {event.title}"
    if isinstance(event, ev.AlertFired | ev.AlertResolved):
        verb = "fired" if isinstance(event, ev.AlertFired) else "resolved"
        return f"alert {event.fingerprint} {verb}"
    if isinstance(event, ev.Escalated):
        return f"escalated to level {event.level} ({event.channel})"
    if isinstance(event, ev.PageSent):
        return f"paged {event.target} via {event.via} (level {event.level})"
    if isinstance(event, ev.TicketOpened):
        return f"ticket opened for {event.target} via {event.via}"
    if isinstance(event, ev.DeliveryFailed):
        who = event.target or event.via
        return f"could not reach {who} after {event.attempts} attempts: {event.error}"
    if isinstance(event, ev.Note):
        return f"note: {event.text}"
    if isinstance(event, ev.SeverityChanged):
        return f"severity changed to {event.severity}"
    if isinstance(event, ev.CommanderAssigned):
        return f"incident commander: {event.commander}"
    if isinstance(event, ev.MitigationApplied | ev.MitigationVerified | ev.MitigationReverted):
        verbs = {"mitigation_applied": "applied", "mitigation_verified": "verified (healthy)"}
        what = f" {event.action}" if event.action else ""
        detail = f" — {event.detail}" if event.detail else ""
        return f"mitigation{what} {verbs.get(str(event.kind), 'reverted')}{detail}"
    if isinstance(event, ev.StatusChanged):
        reason = f" ({event.reason})" if event.reason else ""
        return f"status changed to {event.status}{reason}"
    if isinstance(event, ev.Resolved):
        return "resolved" + (f": {event.reason}" if event.reason else "")
    return str(event.kind)

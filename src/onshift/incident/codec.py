"""Events to and from plain records (kind, time, actor, JSON data) for stores and ``--json``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from onshift.errors import StoreError
from onshift.incident import events as ev
from onshift.incident.events import Channel, Event, EventKind, Severity, Status
from onshift.units import parse_timestamp, to_iso

__all__ = ["EVENT_TYPES", "event_data", "event_from_record", "event_to_json", "events_json"]

EVENT_TYPES: dict[EventKind, type[Event]] = {
    cls.kind: cls
    for cls in (
        ev.IncidentOpened,
        ev.AlertFired,
        ev.AlertResolved,
        ev.PageSent,
        ev.TicketOpened,
        ev.DeliveryFailed,
        ev.Acknowledged,
        ev.Escalated,
        ev.Note,
        ev.SeverityChanged,
        ev.CommanderAssigned,
        ev.MitigationApplied,
        ev.MitigationVerified,
        ev.MitigationReverted,
        ev.StatusChanged,
        ev.Resolved,
    )
}

_DECODE: dict[str, Callable[[Any], Any]] = {
    "fault_started_at": parse_timestamp,
    "ladder_start": parse_timestamp,
    "severity": Severity,
    "status": Status,
    "channel": Channel,
}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    return value


def event_data(event: Event) -> dict[str, Any]:
    """The event's own fields (everything but kind, time and actor), JSON-ready."""
    return {
        f.name: _encode(getattr(event, f.name))
        for f in dataclasses.fields(event)
        if f.name not in ("at", "actor")
    }


def event_from_record(kind: str, at: datetime, actor: str, data: Mapping[str, Any]) -> Event:
    try:
        cls = EVENT_TYPES[EventKind(kind)]
        fields = {
            name: (None if value is None else _DECODE.get(name, _identity)(value))
            for name, value in data.items()
        }
        return cls(at=at, actor=actor, **fields)
    except (ValueError, TypeError, KeyError) as exc:
        msg = f"stored event of kind {kind!r} cannot be read: {exc}"
        raise StoreError(msg) from exc


def _identity(value: Any) -> Any:
    return value


def event_to_json(event: Event, seq: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if seq is None else {"seq": seq}
    out.update(kind=str(event.kind), at=to_iso(event.at), actor=event.actor)
    out["data"] = event_data(event)
    return out


def events_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))

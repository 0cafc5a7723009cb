"""The SQL store's statements, each on a connection the caller holds (and so in its transaction).

Times are stored as integer microseconds since the epoch (exact, sortable, portable); event
payloads as compact JSON with sorted keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onshift.errors import NotFoundError
from onshift.incident.codec import event_data, event_from_record
from onshift.incident.events import Event
from onshift.incident.reducer import IncidentState, fold
from onshift.incident.sqlschema import events_table, incidents, wakeups
from onshift.incident.store import Incident, Keep, WakeAt

__all__ = [
    "due_wakeups",
    "earliest_wakeup",
    "incident_ids",
    "insert_events",
    "insert_incident",
    "load",
    "load_timeline",
    "lock_incident",
    "micros",
    "moment",
    "move_version",
    "open_with",
    "set_wake",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(at: datetime) -> int:
    """``at`` as the integer microseconds since the epoch that the tables store."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def moment(stored: int) -> datetime:
    """A stored number of microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=stored)


# -- reads -------------------------------------------------------------------------------


def load_timeline(conn: Connection, incident_id: int) -> list[Event]:
    rows = conn.execute(
        sa.select(events_table.c.kind, events_table.c.at, events_table.c.actor, events_table.c.data)
        .where(events_table.c.incident_id == incident_id)
        .order_by(events_table.c.seq)
    ).all()
    if not rows:
        msg = f"no incident {incident_id}"
        raise NotFoundError(msg)
    return [event_from_record(r.kind, moment(r.at), r.actor, json.loads(r.data)) for r in rows]


def load(conn: Connection, incident_id: int) -> Incident:
    timeline = load_timeline(conn, incident_id)
    return Incident(id=incident_id, state=fold(timeline), version=len(timeline))


def incident_ids(conn: Connection, *, open_only: bool = False) -> list[int]:
    query = sa.select(incidents.c.id).order_by(incidents.c.id)
    if open_only:
        query = query.where(incidents.c.status != "resolved")
    return list(conn.execute(query).scalars().all())


def open_with(conn: Connection, fingerprint: str) -> int | None:
    """The open incident holding ``fingerprint``, if any."""
    found = conn.execute(
        sa.select(incidents.c.id).where(incidents.c.open_fingerprint == fingerprint)
    ).scalar()
    return None if found is None else int(found)


def due_wakeups(conn: Connection, now: datetime) -> list[tuple[int, datetime]]:
    rows = conn.execute(
        sa.select(wakeups.c.incident_id, wakeups.c.due_at)
        .where(wakeups.c.due_at <= micros(now))
        .order_by(wakeups.c.due_at, wakeups.c.incident_id)
    ).all()
    return [(int(r.incident_id), moment(r.due_at)) for r in rows]


def earliest_wakeup(conn: Connection) -> datetime | None:
    found = conn.execute(sa.select(sa.func.min(wakeups.c.due_at))).scalar()
    return None if found is None else moment(int(found))


# -- writes ------------------------------------------------------------------------------


def _state_columns(state: IncidentState) -> dict[str, Any]:
    return {
        "severity": str(state.severity),
        "status": str(state.status),
        "open_fingerprint": state.fingerprint if state.is_open and state.fingerprint else None,
    }


def insert_incident(conn: Connection, state: IncidentState, *, version: int) -> int:
    """A new incident row for ``state``; returns its id."""
    new_id = conn.execute(
        incidents.insert().values(
            title=state.title,
            service=state.service,
            opened_at=micros(state.opened_at),
            version=version,
            **_state_columns(state),
        )
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def lock_incident(conn: Connection, incident_id: int) -> None:
    """Writers of one incident queue here until the transaction ends.

    A row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes writers and
    ignores FOR UPDATE.
    """
    conn.execute(sa.select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update())


def move_version(
    conn: Connection, incident_id: int, state: IncidentState, *, read: int, new: int
) -> bool:
    """Move the incident row from version ``read`` to ``new``; False if it is not at ``read``."""
    moved = conn.execute(
        incidents.update()
        .where(incidents.c.id == incident_id, incidents.c.version == read)
        .values(version=new, **_state_columns(state))
    ).rowcount
    return moved == 1


def insert_events(
    conn: Connection, incident_id: int, first_seq: int, events: Sequence[Event]
) -> None:
    if not events:
        return
    conn.execute(
        events_table.insert(),
        [
            {
                "incident_id": incident_id,
                "seq": first_seq + i,
                "kind": str(e.kind),
                "at": micros(e.at),
                "actor": e.actor,
                "data": json.dumps(event_data(e), sort_keys=True, separators=(",", ":")),
            }
            for i, e in enumerate(events)
        ],
    )


def set_wake(conn: Connection, incident_id: int, wake_at: WakeAt) -> None:
    if isinstance(wake_at, Keep):
        return
    conn.execute(wakeups.delete().where(wakeups.c.incident_id == incident_id))
    if wake_at is not None:
        conn.execute(wakeups.insert().values(incident_id=incident_id, due_at=micros(wake_at)))

"""Wiring (shell only): runbook journal records become events on an incident's timeline.

The runbook and incident packages do not import each other; this adapter implements the runbook
:class:`~onshift.runbook.ports.TimelineSink` port on top of an
:class:`~onshift.incident.store.IncidentStore`.
"""

from __future__ import annotations

from collections.abc import Sequence

from onshift.errors import InputError, NotFoundError
from onshift.incident.events import (
    Event,
    MitigationApplied,
    MitigationReverted,
    MitigationVerified,
    Note,
)
from onshift.incident.store import IncidentStore
from onshift.runbook.journal import Record
from onshift.runbook.ports import TimelineSink
from onshift.runbook.timeline import (
    MITIGATION_APPLIED,
    MITIGATION_REVERTED,
    MITIGATION_VERIFIED,
    to_timeline,
)

__all__ = ["IncidentTimeline", "Tee", "incident_timeline"]


class IncidentTimeline:
    """Appends one incident event per journal record, as it is written."""

    def __init__(self, store: IncidentStore, incident_id: int) -> None:
        self._store = store
        self._incident_id = incident_id

    def event(self, record: Record) -> Event:
        entry = to_timeline(record)
        actor = f"runbook:{record.runbook}"
        if entry.kind == MITIGATION_APPLIED:
            return MitigationApplied(
                at=entry.at, actor=actor, action=entry.action, detail=entry.text
            )
        if entry.kind == MITIGATION_VERIFIED:
            return MitigationVerified(
                at=entry.at, actor=actor, action=entry.action, detail=entry.text
            )
        if entry.kind == MITIGATION_REVERTED:
            return MitigationReverted(
                at=entry.at, actor=actor, action=entry.action, detail=entry.text
            )
        return Note(at=entry.at, actor=actor, text=entry.text)

    def runbook_event(self, record: Record) -> None:
        self._store.append(self._incident_id, [self.event(record)])


class Tee:
    """Every record to several sinks, in order."""

    def __init__(self, sinks: Sequence[TimelineSink]) -> None:
        self._sinks = tuple(sinks)

    def runbook_event(self, record: Record) -> None:
        for sink in self._sinks:
            sink.runbook_event(record)


def incident_timeline(db: str, incident_id: int) -> IncidentTimeline:
    """The sink for ``--incident ID --db DB``; refuses an incident that does not exist."""
    from onshift.incident.sqlstore import SqlIncidentStore

    store = SqlIncidentStore(db, create=False)
    try:
        store.get(incident_id)
    except NotFoundError:
        raise InputError.single(f"no incident {incident_id} in {db}", path="--incident") from None
    return IncidentTimeline(store, incident_id)

"""IncidentService: each command is one atomic write to the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onshift.errors import StoreError
from onshift.incident.events import Event, EventKind, IncidentOpened, Severity
from onshift.incident.service import IncidentService
from onshift.incident.store import KEEP, Incident, IncidentStore, WakeAt
from onshift.testing import SimulatedClock
from tests.incident.conftest import StoreFactory

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


class OneWriteThenDown:
    """A store whose every write after the first fails, like a database that went away."""

    def __init__(self, inner: IncidentStore) -> None:
        self._inner = inner
        self.writes = 0

    def _write(self) -> None:
        self.writes += 1
        if self.writes > 1:
            msg = "incident store failed: connection lost"
            raise StoreError(msg)

    def create(
        self,
        opened: IncidentOpened,
        *,
        followed_by: Sequence[Event] = (),
        wake_at: datetime | None = None,
    ) -> Incident:
        self._write()
        return self._inner.create(opened, followed_by=followed_by, wake_at=wake_at)

    def append(
        self,
        incident_id: int,
        events: Sequence[Event],
        *,
        expected_version: int | None = None,
        wake_at: WakeAt = KEEP,
    ) -> Incident:
        self._write()
        return self._inner.append(
            incident_id, events, expected_version=expected_version, wake_at=wake_at
        )

    def get(self, incident_id: int) -> Incident:
        return self._inner.get(incident_id)

    def timeline(self, incident_id: int) -> tuple[Event, ...]:
        return self._inner.timeline(incident_id)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        return self._inner.incidents(open_only=open_only)

    def find_open(self, fingerprint: str) -> Incident | None:
        return self._inner.find_open(fingerprint)

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        return self._inner.due(now)

    def next_wake(self) -> datetime | None:
        return self._inner.next_wake()

    def close(self) -> None:
        self._inner.close()


def test_opening_with_a_commander_is_one_write_so_the_commander_cannot_go_missing(
    open_store: StoreFactory,
) -> None:
    store = OneWriteThenDown(open_store())
    service = IncidentService(store=store, clock=SimulatedClock(T0))
    incident = service.open(title="5xx", severity=Severity.SEV1, actor="cli", commander="ann")
    assert store.writes == 1
    assert (incident.version, incident.state.commander) == (2, "ann")
    stored = store.get(incident.id)
    assert (stored.version, stored.state.commander) == (2, "ann")
    kinds = [e.kind for e in store.timeline(incident.id)]
    assert kinds == [EventKind.OPENED, EventKind.COMMANDER_ASSIGNED]
    assert store.due(T0) == [(incident.id, T0)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def commander_writes_fail(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[IncidentStore]:
    """A SQL store whose database refuses to insert a commander_assigned event."""
    import sqlalchemy as sa

    from onshift.incident.sqlstore import SqlIncidentStore, database_url

    if request.param == "sqlite":
        url, schema = str(tmp_path / "inc.db"), None
    else:
        url, schema = request.getfixturevalue("pg_schema")
    store = SqlIncidentStore(url, schema=schema)
    engine = sa.create_engine(database_url(url))
    with engine.begin() as conn:
        if schema is None:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_commander BEFORE INSERT ON onshift_events"
                " WHEN NEW.kind = 'commander_assigned'"
                " BEGIN SELECT RAISE(ABORT, 'commander writes are down'); END"
            )
        else:
            conn.exec_driver_sql(
                f'CREATE FUNCTION "{schema}".refuse_commander() RETURNS trigger AS $$'
                " BEGIN IF NEW.kind = 'commander_assigned' THEN"
                " RAISE EXCEPTION 'commander writes are down'; END IF; RETURN NEW; END"
                " $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                f'CREATE TRIGGER refuse_commander BEFORE INSERT ON "{schema}".onshift_events'
                f' FOR EACH ROW EXECUTE FUNCTION "{schema}".refuse_commander()'
            )
    engine.dispose()
    yield store
    store.close()


def test_when_the_commander_cannot_be_written_no_incident_is_opened(
    commander_writes_fail: IncidentStore,
) -> None:
    store = commander_writes_fail
    service = IncidentService(store=store, clock=SimulatedClock(T0))
    with pytest.raises(StoreError, match="commander writes are down"):
        service.open(title="5xx", severity=Severity.SEV1, actor="cli", commander="ann")
    assert store.incidents() == []
    assert store.next_wake() is None
    # Without a commander the same store opens incidents as usual.
    assert service.open(title="5xx", severity=Severity.SEV1, actor="cli").version == 1

"""One suite for every IncidentStore: in-memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from onshift.clock import SimulatedClock
from onshift.errors import ConflictError, InvalidTransition, NotFoundError
from onshift.incident import events as ev
from onshift.incident.events import Severity, Status
from onshift.incident.store import IncidentStore
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.runner import EscalationRunner
from onshift.testing import RecordingNotifier
from tests.incident.conftest import StoreFactory

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def opened(fingerprint: str = "", at: datetime = T0) -> ev.IncidentOpened:
    return ev.IncidentOpened(
        at=at,
        actor="alertmanager",
        title="gateway 5xx > 2%",
        severity=Severity.SEV1,
        service="gateway",
        fingerprint=fingerprint,
        policy="default",
        fault_started_at=at - 4 * MIN,
    )


EVERY_KIND: list[ev.Event] = [
    ev.AlertFired(at=T0 + MIN, actor="am", fingerprint="fp", summary="again"),
    ev.Escalated(at=T0 + MIN, level=1, step=0, ladder_start=T0),
    ev.PageSent(
        at=T0 + MIN, target="ann", via="schedule:primary", level=1, step=0, ladder_start=T0
    ),
    ev.DeliveryFailed(
        at=T0 + MIN,
        target="bob",
        via="user:bob",
        level=1,
        step=0,
        ladder_start=T0,
        attempts=4,
        error="HTTP 503",
    ),
    ev.TicketOpened(at=T0 + MIN, target="ann", via="user:ann", step=0, ladder_start=T0),
    ev.CommanderAssigned(at=T0 + 2 * MIN, actor="ann", commander="ann"),
    ev.SeverityChanged(at=T0 + 2 * MIN, actor="ann", severity=Severity.SEV2),
    ev.Acknowledged(at=T0 + 3 * MIN, actor="ann"),
    ev.Note(at=T0 + 4 * MIN, actor="ann", text="rolling back the prompt change ✓"),
    ev.MitigationApplied(at=T0 + 5 * MIN, actor="ann", action="rollback"),
    ev.MitigationVerified(at=T0 + 9 * MIN, actor="ann", action="rollback"),
    ev.MitigationReverted(at=T0 + 10 * MIN, actor="ann", action="rollback"),
    ev.AlertResolved(at=T0 + 11 * MIN, actor="am", fingerprint="fp"),
    ev.Resolved(at=T0 + 12 * MIN, actor="ann", reason="fixed"),
    ev.StatusChanged(at=T0 + 13 * MIN, actor="ann", status=Status.TRIGGERED, reason="regressed"),
]


def test_every_kind_of_event_round_trips_through_the_store(store: IncidentStore) -> None:
    incident = store.create(opened("fp"))
    store.append(incident.id, EVERY_KIND)
    assert store.timeline(incident.id) == (opened("fp"), *EVERY_KIND)
    got = store.get(incident.id)
    assert got.version == 1 + len(EVERY_KIND)
    assert got.state.status is Status.TRIGGERED
    assert got.state.severity is Severity.SEV2


def test_an_illegal_event_is_rejected_and_nothing_of_its_batch_is_written(
    store: IncidentStore,
) -> None:
    incident = store.create(opened())
    store.append(incident.id, [ev.Note(at=T0, text="first"), ev.MitigationReverted(at=T0)])
    with pytest.raises(InvalidTransition):
        store.append(
            incident.id, [ev.Note(at=T0, text="x"), ev.Resolved(at=T0), ev.Resolved(at=T0)]
        )
    assert len(store.timeline(incident.id)) == 3


def test_a_write_based_on_a_stale_version_is_a_conflict(store: IncidentStore) -> None:
    incident = store.create(opened())
    store.append(incident.id, [ev.Acknowledged(at=T0, actor="ann")])
    with pytest.raises(ConflictError):
        store.append(incident.id, [ev.Note(at=T0, text="x")], expected_version=incident.version)
    store.append(incident.id, [ev.Note(at=T0, text="x")], expected_version=incident.version + 1)


def test_an_incident_is_opened_with_its_first_events_in_one_write(store: IncidentStore) -> None:
    more = [
        ev.CommanderAssigned(at=T0, actor="cli", commander="ann"),
        ev.Note(at=T0, actor="cli", text="opened from the bridge"),
    ]
    incident = store.create(opened("fp"), followed_by=more, wake_at=T0)
    assert (incident.version, incident.state.commander) == (3, "ann")
    assert store.timeline(incident.id) == (opened("fp"), *more)
    assert store.get(incident.id) == incident
    assert store.due(T0) == [(incident.id, T0)]
    # The version counts every event, so optimistic concurrency works from the first write.
    with pytest.raises(ConflictError):
        store.append(incident.id, [ev.Note(at=T0, text="x")], expected_version=1)
    store.append(incident.id, [ev.Note(at=T0, text="x")], expected_version=3)


def test_an_illegal_follow_up_event_means_no_incident_is_opened(store: IncidentStore) -> None:
    with pytest.raises(InvalidTransition):
        store.create(opened("fp"), followed_by=[ev.Resolved(at=T0), ev.Resolved(at=T0)])
    assert store.incidents() == []
    assert store.find_open("fp") is None
    assert store.next_wake() is None


def test_a_taken_fingerprint_refuses_the_whole_opening(store: IncidentStore) -> None:
    first = store.create(opened("fp"))
    with pytest.raises(ConflictError):
        store.create(
            opened("fp"), followed_by=[ev.CommanderAssigned(at=T0, commander="ann")], wake_at=T0
        )
    assert [i.id for i in store.incidents()] == [first.id]
    assert store.next_wake() is None


def test_listing_and_open_filter(store: IncidentStore) -> None:
    a = store.create(opened())
    b = store.create(opened())
    store.append(a.id, [ev.Resolved(at=T0 + MIN)])
    assert [i.id for i in store.incidents()] == [a.id, b.id]
    assert [i.id for i in store.incidents(open_only=True)] == [b.id]


def test_at_most_one_open_incident_per_fingerprint(store: IncidentStore) -> None:
    a = store.create(opened("fp-1"))
    assert store.find_open("fp-1") is not None
    with pytest.raises(ConflictError):
        store.create(opened("fp-1"))
    store.append(a.id, [ev.Resolved(at=T0 + MIN)])
    assert store.find_open("fp-1") is None
    b = store.create(opened("fp-1", at=T0 + 2 * MIN))
    found = store.find_open("fp-1")
    assert found is not None
    assert found.id == b.id


def test_unknown_incidents_are_not_found(store: IncidentStore) -> None:
    with pytest.raises(NotFoundError):
        store.get(999)
    with pytest.raises(NotFoundError):
        store.append(999, [ev.Note(at=T0, text="x")])


def test_wake_ups_are_returned_when_due_earliest_first(store: IncidentStore) -> None:
    a = store.create(opened(), wake_at=T0 + 5 * MIN)
    b = store.create(opened(), wake_at=T0 + 2 * MIN)
    c = store.create(opened())
    assert store.next_wake() == T0 + 2 * MIN
    assert store.due(T0 + MIN) == []
    assert store.due(T0 + 5 * MIN) == [(b.id, T0 + 2 * MIN), (a.id, T0 + 5 * MIN)]
    store.append(b.id, [ev.Note(at=T0, text="keep")])
    store.append(a.id, [], wake_at=None)
    store.append(c.id, [], wake_at=T0 + 3 * MIN)
    assert store.due(T0 + 9 * MIN) == [(b.id, T0 + 2 * MIN), (c.id, T0 + 3 * MIN)]


def test_a_restarted_runner_sends_overdue_pages_at_once(open_store: StoreFactory) -> None:
    policy = EscalationPolicy(
        name="default",
        levels=(
            Level(targets=(Target.parse("user:ann"),), ack_timeout=5 * MIN),
            Level(targets=(Target.parse("user:bob"),), ack_timeout=5 * MIN),
        ),
    )
    clock = SimulatedClock(T0)
    first = open_store()
    first.create(opened(), wake_at=T0)
    notifier = RecordingNotifier()
    EscalationRunner(
        store=first, policies={"default": policy}, schedules={}, notifier=notifier, clock=clock
    ).tick()
    assert notifier.users == ["ann"]
    assert first.next_wake() == T0 + 5 * MIN
    # The process dies; it comes back 20 minutes later with nothing but the database.
    clock.advance(20 * MIN)
    second = open_store()
    later = RecordingNotifier()
    report = EscalationRunner(
        store=second, policies={"default": policy}, schedules={}, notifier=later, clock=clock
    ).tick()
    assert later.users == ["bob"]
    assert report.pages == 1
    assert second.next_wake() is None


def test_reopening_is_refused_while_another_incident_holds_the_fingerprint(
    store: IncidentStore,
) -> None:
    first = store.create(opened("fp-9"))
    store.append(first.id, [ev.Resolved(at=T0 + MIN)])
    second = store.create(opened("fp-9", at=T0 + 2 * MIN))
    with pytest.raises(ConflictError, match=f"incident {second.id} is open with the same"):
        store.append(first.id, [ev.StatusChanged(at=T0 + 3 * MIN, status=Status.TRIGGERED)])
    assert store.get(first.id).state.status is Status.RESOLVED


def test_alerts_racing_on_one_fingerprint_open_one_incident(open_sql_store: StoreFactory) -> None:
    import threading

    from onshift.incident.dedup import IncomingAlert, ingest_alert

    writers = 8
    first = open_sql_store()
    stores = [open_sql_store() for _ in range(writers)]
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def fire(store: IncidentStore, n: int) -> None:
        try:
            barrier.wait(timeout=10)
            ingest_alert(
                store,
                IncomingAlert(
                    fingerprint="same", title="5xx", severity=Severity.SEV2, fired_at=T0 + n * MIN
                ),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fire, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    [only] = first.incidents()
    assert only.state.alerts == writers


def test_migrations_run_once_and_a_newer_schema_is_refused(open_sql_store: StoreFactory) -> None:
    import sqlalchemy as sa

    from onshift.errors import StoreError
    from onshift.incident.sqlschema import SCHEMA_VERSION, schema_table
    from onshift.incident.sqlstore import SqlIncidentStore

    first = open_sql_store()
    assert isinstance(first, SqlIncidentStore)
    first.create(opened())
    again = open_sql_store()
    assert isinstance(again, SqlIncidentStore)
    assert again.schema_version() == SCHEMA_VERSION
    assert len(again.incidents()) == 1
    with again._engine.begin() as conn:
        rows = conn.execute(sa.select(schema_table.c.version)).scalars().all()
        assert rows == list(range(1, SCHEMA_VERSION + 1))
        conn.execute(schema_table.insert().values(version=SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}"):
        open_sql_store()


def test_a_sql_store_that_may_not_create_refuses_a_missing_sqlite_file(tmp_path: Path) -> None:
    from onshift.errors import InputError
    from onshift.incident.sqlstore import SqlIncidentStore

    missing = tmp_path / "typo.db"
    for url in (str(missing), f"sqlite:///{missing}"):
        with pytest.raises(InputError, match=r"^--db: no SQLite database at '.*typo\.db'"):
            SqlIncidentStore(url, create=False)
    assert list(tmp_path.iterdir()) == []
    SqlIncidentStore(str(missing)).close()  # creating is still the default
    reopened = SqlIncidentStore(str(missing), create=False)
    assert reopened.incidents() == []
    reopened.close()


@pytest.mark.postgres
def test_a_sql_store_that_may_not_create_still_opens_postgresql(
    pg_schema: tuple[str, str],
) -> None:
    from onshift.incident.sqlstore import SqlIncidentStore

    url, schema = pg_schema
    store = SqlIncidentStore(url, schema=schema, create=False)
    try:
        assert store.incidents() == []
    finally:
        store.close()

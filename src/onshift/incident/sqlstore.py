"""The SQL incident store: SQLite (default) and PostgreSQL through one SQLAlchemy 2 code path.

Each write is one transaction: the new events are validated by folding them onto the stored
state, the incident row's version moves forward only if it is still the version we read
(optimistic concurrency), and the events, the incident row and its wake-up are written
together. The database is opened in :mod:`~onshift.incident.sqlengine`; the statements are
in :mod:`~onshift.incident.sqlrows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine

from onshift.errors import ConflictError
from onshift.incident import sqlrows as rows
from onshift.incident.events import Event, IncidentOpened
from onshift.incident.reducer import fold
from onshift.incident.sqlengine import database_url, guarded, make_engine
from onshift.incident.sqlschema import SCHEMA_VERSION, applied_version, migrate
from onshift.incident.store import KEEP, Incident, WakeAt

__all__ = ["SCHEMA_VERSION", "SqlIncidentStore", "database_url"]


class SqlIncidentStore:
    """An :class:`~onshift.incident.store.IncidentStore` on SQLite or PostgreSQL.

    With ``create=False`` a SQLite file that does not exist is refused (``InputError``)
    instead of created, so a mistyped path is not mistaken for an empty store; only what opens
    incidents should create one. PostgreSQL URLs are not affected.
    """

    def __init__(self, url: str, *, schema: str | None = None, create: bool = True) -> None:
        engine = make_engine(url, schema=schema, create=create)
        self._engine: Engine = engine
        try:
            guarded(self._migrate)
        except BaseException:
            engine.dispose()
            raise

    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            migrate(conn)

    def schema_version(self) -> int:
        with self._engine.connect() as conn:
            return applied_version(conn)

    # -- reads ---------------------------------------------------------------------------

    def get(self, incident_id: int) -> Incident:
        def run() -> Incident:
            with self._engine.connect() as conn:
                return rows.load(conn, incident_id)

        return guarded(run)

    def timeline(self, incident_id: int) -> tuple[Event, ...]:
        def run() -> tuple[Event, ...]:
            with self._engine.connect() as conn:
                return tuple(rows.load_timeline(conn, incident_id))

        return guarded(run)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        def run() -> list[Incident]:
            with self._engine.connect() as conn:
                ids = rows.incident_ids(conn, open_only=open_only)
                return [rows.load(conn, i) for i in ids]

        return guarded(run)

    def find_open(self, fingerprint: str) -> Incident | None:
        if not fingerprint:
            return None

        def run() -> Incident | None:
            with self._engine.connect() as conn:
                found = rows.open_with(conn, fingerprint)
                return None if found is None else rows.load(conn, found)

        return guarded(run)

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        def run() -> list[tuple[int, datetime]]:
            with self._engine.connect() as conn:
                return rows.due_wakeups(conn, now)

        return guarded(run)

    def next_wake(self) -> datetime | None:
        def run() -> datetime | None:
            with self._engine.connect() as conn:
                return rows.earliest_wakeup(conn)

        return guarded(run)

    # -- writes --------------------------------------------------------------------------

    def create(
        self,
        opened: IncidentOpened,
        *,
        followed_by: Sequence[Event] = (),
        wake_at: datetime | None = None,
    ) -> Incident:
        events = [opened, *followed_by]
        state = fold(events)

        def run() -> Incident:
            with self._engine.begin() as conn:
                key = rows.insert_incident(conn, state, version=len(events))
                rows.insert_events(conn, key, 1, events)
                rows.set_wake(conn, key, wake_at)
            return Incident(id=key, state=state, version=len(events))

        return guarded(run)

    def append(
        self,
        incident_id: int,
        events: Sequence[Event],
        *,
        expected_version: int | None = None,
        wake_at: WakeAt = KEEP,
    ) -> Incident:
        def run() -> Incident:
            with self._engine.begin() as conn:
                rows.lock_incident(conn, incident_id)
                current = rows.load(conn, incident_id)
                if expected_version is not None and expected_version != current.version:
                    msg = f"incident {incident_id} changed since it was read"
                    raise ConflictError(msg)
                state = fold(events, current.state)
                if state.fingerprint and state.is_open and not current.state.is_open:
                    other = rows.open_with(conn, state.fingerprint)
                    if other is not None:
                        msg = (
                            f"incident {other} is open with the same fingerprint"
                            f" {state.fingerprint!r}"
                        )
                        raise ConflictError(msg)
                version = current.version + len(events)
                if not rows.move_version(
                    conn, incident_id, state, read=current.version, new=version
                ):
                    msg = f"incident {incident_id} changed while writing"
                    raise ConflictError(msg)
                rows.insert_events(conn, incident_id, current.version + 1, events)
                rows.set_wake(conn, incident_id, wake_at)
            return Incident(id=incident_id, state=state, version=version)

        for _ in range(4 if expected_version is None else 0):
            try:
                return guarded(run)
            except ConflictError:
                continue  # a concurrent writer moved the version: re-read and re-validate
        return guarded(run)

    def close(self) -> None:
        self._engine.dispose()

"""The SQL incident store: SQLite (default) and PostgreSQL through one SQLAlchemy 2 code path.

Each write is one transaction: the new events are validated by folding them onto the stored
state, the incident row's version moves forward only if it is still the version we read
(optimistic concurrency), and the events, the incident row and its wake-up are written
together. SQLite runs with ``synchronous=FULL`` so a returned write survives a crash.
Times are stored as integer microseconds since the epoch (exact, sortable, portable).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from onshift.errors import ConflictError, InputError, NotFoundError, StoreError
from onshift.incident.codec import event_data, event_from_record
from onshift.incident.events import Event, IncidentOpened
from onshift.incident.reducer import IncidentState, fold
from onshift.incident.sqlschema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    events_table,
    incidents,
    metadata,
    schema_table,
    wakeups,
)
from onshift.incident.store import KEEP, Incident, Keep, WakeAt

__all__ = ["SCHEMA_VERSION", "SqlIncidentStore", "database_url"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
R = TypeVar("R")


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def database_url(db: str) -> str:
    """A ``--db`` value as a SQLAlchemy URL: a URL stays, a path becomes SQLite."""
    if "://" in db:
        if db.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + db.split("://", 1)[1]
        return db
    return f"sqlite:///{Path(db)}"


def _sqlite_file(db: str, full: str) -> str | None:
    """The file a SQLite ``--db`` names, as the user spelled it; None if it names no file."""
    if "://" not in db:
        return db
    try:
        url = sa.engine.make_url(full)
    except (SQLAlchemyError, ValueError):
        return None  # reported as an unusable URL when the engine is made
    name = url.database or ""
    if not name or name == ":memory:" or url.query.get("uri") in ("true", "1"):
        return None  # in memory, or a sqlite3 URI: not a plain file we can check
    return name


class SqlIncidentStore:
    """An :class:`~onshift.incident.store.IncidentStore` on SQLite or PostgreSQL.

    With ``create=False`` a SQLite file that does not exist is refused (``InputError``)
    instead of created, so a mistyped path is not mistaken for an empty store; only what opens
    incidents should create one. PostgreSQL URLs are not affected.
    """

    def __init__(self, url: str, *, schema: str | None = None, create: bool = True) -> None:
        full = database_url(url)
        self._sqlite = full.startswith("sqlite")
        if not create and self._sqlite:
            path = _sqlite_file(url, full)
            if path is not None and not Path(path).exists():
                msg = (
                    f"no SQLite database at {path!r}"
                    " (run 'onshift incident open' to create one, or check the path)"
                )
                raise InputError.single(msg, path="--db")
        if "://" not in url and not Path(url).parent.is_dir():
            msg = f"no directory {str(Path(url).parent)!r} for the SQLite file"
            raise InputError.single(msg, path="--db")
        try:
            options: dict[str, Any] = {}
            if self._sqlite:
                options["connect_args"] = {"timeout": 30}
            engine = sa.create_engine(full, **options)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            msg = f"not a usable database URL {url!r}: {exc}"
            raise InputError.single(msg, path="--db") from exc
        if self._sqlite:
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        self._engine: Engine = engine
        try:
            self._wrap(self._migrate)
        except BaseException:
            engine.dispose()
            raise

    def _wrap(self, action: Callable[[], R]) -> R:
        try:
            return action()
        except (ConflictError, NotFoundError, InputError):
            raise
        except IntegrityError as exc:
            msg = f"a concurrent write got there first: {exc.orig}"
            raise ConflictError(msg) from exc
        except SQLAlchemyError as exc:
            # The driver's own message, without SQLAlchemy's statement dump and help link.
            detail = str(getattr(exc, "orig", None) or exc).strip()
            msg = f"incident store failed: {detail}"
            raise StoreError(msg) from exc

    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            metadata.create_all(conn, tables=[schema_table])
            done = conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0
            if done > SCHEMA_VERSION:
                msg = f"the database has schema version {done}; this onshift knows {SCHEMA_VERSION}"
                raise StoreError(msg)
            for number in range(done + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[number - 1](conn)
                conn.execute(schema_table.insert().values(version=number))

    def schema_version(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0)

    # -- reads ---------------------------------------------------------------------------

    def _timeline(self, conn: Connection, incident_id: int) -> list[Event]:
        rows = conn.execute(
            sa.select(
                events_table.c.kind, events_table.c.at, events_table.c.actor, events_table.c.data
            )
            .where(events_table.c.incident_id == incident_id)
            .order_by(events_table.c.seq)
        ).all()
        if not rows:
            msg = f"no incident {incident_id}"
            raise NotFoundError(msg)
        return [event_from_record(r.kind, _moment(r.at), r.actor, json.loads(r.data)) for r in rows]

    def _load(self, conn: Connection, incident_id: int) -> Incident:
        timeline = self._timeline(conn, incident_id)
        return Incident(id=incident_id, state=fold(timeline), version=len(timeline))

    def get(self, incident_id: int) -> Incident:
        def run() -> Incident:
            with self._engine.connect() as conn:
                return self._load(conn, incident_id)

        return self._wrap(run)

    def timeline(self, incident_id: int) -> tuple[Event, ...]:
        def run() -> tuple[Event, ...]:
            with self._engine.connect() as conn:
                return tuple(self._timeline(conn, incident_id))

        return self._wrap(run)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        def run() -> list[Incident]:
            query = sa.select(incidents.c.id).order_by(incidents.c.id)
            if open_only:
                query = query.where(incidents.c.status != "resolved")
            with self._engine.connect() as conn:
                ids = conn.execute(query).scalars().all()
                return [self._load(conn, i) for i in ids]

        return self._wrap(run)

    def find_open(self, fingerprint: str) -> Incident | None:
        if not fingerprint:
            return None

        def run() -> Incident | None:
            with self._engine.connect() as conn:
                found = conn.execute(
                    sa.select(incidents.c.id).where(incidents.c.open_fingerprint == fingerprint)
                ).scalar()
                return None if found is None else self._load(conn, int(found))

        return self._wrap(run)

    def due(self, now: datetime) -> list[tuple[int, datetime]]:
        def run() -> list[tuple[int, datetime]]:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    sa.select(wakeups.c.incident_id, wakeups.c.due_at)
                    .where(wakeups.c.due_at <= _micros(now))
                    .order_by(wakeups.c.due_at, wakeups.c.incident_id)
                ).all()
            return [(int(r.incident_id), _moment(r.due_at)) for r in rows]

        return self._wrap(run)

    def next_wake(self) -> datetime | None:
        def run() -> datetime | None:
            with self._engine.connect() as conn:
                found = conn.execute(sa.select(sa.func.min(wakeups.c.due_at))).scalar()
            return None if found is None else _moment(int(found))

        return self._wrap(run)

    # -- writes --------------------------------------------------------------------------

    def _insert_events(
        self, conn: Connection, incident_id: int, first_seq: int, events: Sequence[Event]
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
                    "at": _micros(e.at),
                    "actor": e.actor,
                    "data": json.dumps(event_data(e), sort_keys=True, separators=(",", ":")),
                }
                for i, e in enumerate(events)
            ],
        )

    def _set_wake(self, conn: Connection, incident_id: int, wake_at: WakeAt) -> None:
        if isinstance(wake_at, Keep):
            return
        conn.execute(wakeups.delete().where(wakeups.c.incident_id == incident_id))
        if wake_at is not None:
            conn.execute(wakeups.insert().values(incident_id=incident_id, due_at=_micros(wake_at)))

    @staticmethod
    def _row(state: IncidentState) -> dict[str, Any]:
        return {
            "severity": str(state.severity),
            "status": str(state.status),
            "open_fingerprint": state.fingerprint if state.is_open and state.fingerprint else None,
        }

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
                new_id = conn.execute(
                    incidents.insert().values(
                        title=state.title,
                        service=state.service,
                        opened_at=_micros(state.opened_at),
                        version=len(events),
                        **self._row(state),
                    )
                ).inserted_primary_key
                assert new_id is not None
                key = int(new_id[0])
                self._insert_events(conn, key, 1, events)
                self._set_wake(conn, key, wake_at)
            return Incident(id=key, state=state, version=len(events))

        return self._wrap(run)

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
                # Writers of one incident queue here (row lock on PostgreSQL; SQLite's
                # BEGIN IMMEDIATE already serializes writers and ignores FOR UPDATE).
                conn.execute(
                    sa.select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update()
                )
                current = self._load(conn, incident_id)
                if expected_version is not None and expected_version != current.version:
                    msg = f"incident {incident_id} changed since it was read"
                    raise ConflictError(msg)
                state = fold(events, current.state)
                if state.fingerprint and state.is_open and not current.state.is_open:
                    other = conn.execute(
                        sa.select(incidents.c.id).where(
                            incidents.c.open_fingerprint == state.fingerprint
                        )
                    ).scalar()
                    if other is not None:
                        msg = (
                            f"incident {other} is open with the same fingerprint"
                            f" {state.fingerprint!r}"
                        )
                        raise ConflictError(msg)
                version = current.version + len(events)
                moved = conn.execute(
                    incidents.update()
                    .where(incidents.c.id == incident_id, incidents.c.version == current.version)
                    .values(version=version, **self._row(state))
                ).rowcount
                if moved != 1:
                    msg = f"incident {incident_id} changed while writing"
                    raise ConflictError(msg)
                self._insert_events(conn, incident_id, current.version + 1, events)
                self._set_wake(conn, incident_id, wake_at)
            return Incident(id=incident_id, state=state, version=version)

        for _ in range(4 if expected_version is None else 0):
            try:
                return self._wrap(run)
            except ConflictError:
                continue  # a concurrent writer moved the version: re-read and re-validate
        return self._wrap(run)

    def close(self) -> None:
        self._engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: a read-then-write transaction
    # then holds the write lock from its start and cannot fail to upgrade later.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")

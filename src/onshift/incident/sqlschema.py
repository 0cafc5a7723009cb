"""The SQL store's tables and its ordered schema migrations.

A small ``onshift_schema`` table records which migrations ran; a new schema version appends a
function to :data:`MIGRATIONS` (never edits an old one).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onshift.errors import StoreError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "applied_version",
    "events_table",
    "incidents",
    "metadata",
    "migrate",
    "schema_table",
    "wakeups",
]

metadata = sa.MetaData()
schema_table = sa.Table(
    "onshift_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
)
incidents = sa.Table(
    "onshift_incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("service", sa.Text, nullable=False),
    sa.Column("opened_at", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The fingerprint while the incident is open, NULL once resolved: at most one open
    # incident per fingerprint, enforced by the database.
    sa.Column("open_fingerprint", sa.Text, nullable=True, unique=True),
)
events_table = sa.Table(
    "onshift_events",
    metadata,
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("onshift_incidents.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)
wakeups = sa.Table(
    "onshift_wakeups",
    metadata,
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("onshift_incidents.id"), primary_key=True),
    sa.Column("due_at", sa.BigInteger, nullable=False, index=True),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[incidents, events_table, wakeups])


#: Ordered migrations; version N is ``MIGRATIONS[N - 1]``. Append, never edit.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def applied_version(conn: Connection) -> int:
    """The newest migration this database has had (0: none)."""
    return int(conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0)


def migrate(conn: Connection) -> None:
    """Run the migrations the database has not had yet; refuse a schema newer than ours."""
    metadata.create_all(conn, tables=[schema_table])
    done = applied_version(conn)
    if done > SCHEMA_VERSION:
        msg = f"the database has schema version {done}; this onshift knows {SCHEMA_VERSION}"
        raise StoreError(msg)
    for number in range(done + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[number - 1](conn)
        conn.execute(schema_table.insert().values(version=number))

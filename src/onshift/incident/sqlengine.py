"""Opening the SQL store's database: ``--db`` values, engines, and foreign errors made ours.

SQLite runs with ``synchronous=FULL`` so a returned write survives a crash, and each of its
transactions starts with ``BEGIN IMMEDIATE`` so a read-then-write cannot fail to upgrade.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from onshift.errors import ConflictError, InputError, NotFoundError, StoreError

__all__ = ["database_url", "guarded", "make_engine"]

R = TypeVar("R")


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


def make_engine(url: str, *, schema: str | None = None, create: bool = True) -> Engine:
    """An engine for a ``--db`` value; nothing is connected (or created) yet.

    With ``create=False`` a SQLite file that does not exist is refused (``InputError``).
    """
    full = database_url(url)
    sqlite = full.startswith("sqlite")
    if not create and sqlite:
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
        if sqlite:
            options["connect_args"] = {"timeout": 30}
        engine = sa.create_engine(full, **options)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        msg = f"not a usable database URL {url!r}: {exc}"
        raise InputError.single(msg, path="--db") from exc
    if sqlite:
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    if schema is not None:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def guarded(action: Callable[[], R]) -> R:
    """Run ``action``; a lost race becomes ConflictError, any other database failure StoreError."""
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

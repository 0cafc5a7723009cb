"""Store fixtures: the same suite runs on the in-memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onshift.incident.store import IncidentStore
from onshift.testing import MemoryIncidentStore

PG_ENV = "ONSHIFT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The test PostgreSQL URL; skips without it, but fails under CI=true."""
    url = os.environ.get(PG_ENV, "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} must be set when CI=true")
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL tests")
    return url


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema for one test, dropped afterwards: (url, schema)."""
    import sqlalchemy as sa

    from onshift.incident.sqlstore import database_url

    url = postgres_url()
    schema = f"onshift_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, schema
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


StoreFactory = Callable[[], IncidentStore]


def _factories(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[IncidentStore] = []
    if kind == "memory":
        memory = MemoryIncidentStore()

        def factory() -> IncidentStore:
            return memory
    else:
        from onshift.incident.sqlstore import SqlIncidentStore

        if kind == "sqlite":
            url, schema = str(tmp_path / "incidents.db"), None
        else:
            url, schema = request.getfixturevalue("pg_schema")

        def factory() -> IncidentStore:
            store = SqlIncidentStore(url, schema=schema)
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory that opens (or re-opens, as after a restart) one store."""
    yield from _factories(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", POSTGRES])
def open_sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Like ``open_store``, for the SQL back ends only (several connections at once)."""
    yield from _factories(request.param, request, tmp_path)


@pytest.fixture
def store(open_store: StoreFactory) -> IncidentStore:
    return open_store()

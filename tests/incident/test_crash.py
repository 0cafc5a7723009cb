"""A writer killed with SIGKILL mid-stream loses nothing it had acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onshift.incident.events import Note
from onshift.incident.sqlstore import SqlIncidentStore

WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from onshift.incident.events import IncidentOpened, Note, Severity
from onshift.incident.sqlstore import SqlIncidentStore

url, schema = sys.argv[1], (sys.argv[2] or None)
store = SqlIncidentStore(url, schema=schema)
t0 = datetime(2026, 1, 1, tzinfo=UTC)
incident = store.create(IncidentOpened(at=t0, title="crash test", severity=Severity.SEV2))
print(incident.id, flush=True)
n = 0
while True:
    n += 1
    store.append(incident.id, [Note(at=t0 + timedelta(seconds=n), text=f"note {n}")])
    print(n, flush=True)  # acknowledged to the caller only after the write returned
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield str(tmp_path / "crash.db"), ""
    else:
        yield request.getfixturevalue("pg_schema")


def test_every_acknowledged_event_survives_a_sigkill(target: tuple[str, str]) -> None:
    url, schema = target
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, url, schema],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        try:
            assert proc.stdout is not None
            incident_id = int(proc.stdout.readline())
            acknowledged = []
            for line in proc.stdout:
                acknowledged.append(int(line))
                if len(acknowledged) >= 60:
                    break
            proc.send_signal(signal.SIGKILL)
            # Lines already printed before the kill were acknowledged too.
            acknowledged.extend(int(line) for line in proc.stdout.read().split())
        finally:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    store = SqlIncidentStore(url, schema=schema or None)
    try:
        notes = [e.text for e in store.timeline(incident_id) if isinstance(e, Note)]
    finally:
        store.close()
    assert len(acknowledged) >= 60
    assert acknowledged == list(range(1, len(acknowledged) + 1))
    assert notes[: len(acknowledged)] == [f"note {n}" for n in acknowledged]
    # At most the one write in flight when the process died may be there unacknowledged.
    assert len(notes) - len(acknowledged) in (0, 1)

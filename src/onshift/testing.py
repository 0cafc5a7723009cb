"""In-memory fakes of onshift's ports, for the drill, our tests and users' tests.

Each fake behaves like the real adapter as far as its port promises, and records what it was
asked to do so tests can assert on it.
"""

from __future__ import annotations

from onshift.clock import SimulatedClock
from onshift.incident.store import MemoryIncidentStore
from onshift.oncall.fakes import RecordingNotifier
from onshift.runbook.fakes import (
    FakeApprover,
    FakeCommandRunner,
    FakeTarget,
    RecordingSink,
    ScriptedProbe,
)
from onshift.slo.fakes import FakePromQLChecker

__all__ = [
    "FakeApprover",
    "FakeCommandRunner",
    "FakePromQLChecker",
    "FakeTarget",
    "MemoryIncidentStore",
    "RecordingNotifier",
    "RecordingSink",
    "ScriptedProbe",
    "SimulatedClock",
]

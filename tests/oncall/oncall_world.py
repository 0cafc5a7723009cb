"""A small world for on-call tests: memory store, simulated clock, recording notifier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from onshift.incident.events import Escalated, Event, PageSent, Severity
from onshift.incident.service import IncidentService
from onshift.oncall.notify import Notifier, RetryPolicy
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.runner import EscalationRunner
from onshift.oncall.schedule import Schedule
from onshift.testing import MemoryIncidentStore, RecordingNotifier, SimulatedClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ladder(*minutes: int, repeat: int = 0, ack_expiry: timedelta | None = None) -> EscalationPolicy:
    """A policy whose level i pages user:u{i+1} with an ack timeout of ``minutes[i]``."""
    return EscalationPolicy(
        name="p",
        levels=tuple(
            Level(targets=(Target.parse(f"user:u{i + 1}"),), ack_timeout=timedelta(minutes=m))
            for i, m in enumerate(minutes)
        ),
        repeat=repeat,
        ack_expiry=ack_expiry,
    )


@dataclass
class World:
    policy: EscalationPolicy
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    start: datetime = T0
    notifier: Notifier = field(default_factory=RecordingNotifier)

    def __post_init__(self) -> None:
        self.clock = SimulatedClock(self.start)
        self.store = MemoryIncidentStore()
        self.service = IncidentService(store=self.store, clock=self.clock)
        self.runner = EscalationRunner(
            store=self.store,
            policies={"p": self.policy},
            schedules=self.schedules,
            notifier=self.notifier,
            clock=self.clock,
            retry=RetryPolicy(attempts=2, initial=timedelta(seconds=1)),
            default_policy="p",
        )

    def open(self, severity: Severity = Severity.SEV1) -> int:
        return self.service.open(title="errors", severity=severity, actor="test").id

    def run_until(self, end: datetime, tick: timedelta) -> None:
        """Tick every ``tick`` from now until ``end`` (inclusive)."""
        while True:
            self.runner.tick()
            if self.clock.now() + tick > end:
                return
            self.clock.advance(tick)

    def timeline(self, incident_id: int = 1) -> tuple[Event, ...]:
        return self.store.timeline(incident_id)

    def first_reached(self, incident_id: int = 1) -> dict[int, datetime]:
        out: dict[int, datetime] = {}
        for e in self.timeline(incident_id):
            if isinstance(e, Escalated):
                out.setdefault(e.level, e.at)
        return out

    def pages(self, incident_id: int = 1) -> list[PageSent]:
        return [e for e in self.timeline(incident_id) if isinstance(e, PageSent)]

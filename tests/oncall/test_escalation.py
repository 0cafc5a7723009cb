from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from onshift.incident.events import (
    Channel,
    DeliveryFailed,
    MitigationReverted,
    Severity,
    Status,
    StatusChanged,
)
from onshift.incident.reducer import fold
from onshift.oncall.escalation import escalate
from onshift.oncall.notify import Notification
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.runner import EscalationRunner
from onshift.oncall.schedule import Handoff, Layer, Rotation, Schedule
from onshift.testing import RecordingNotifier
from tests.oncall.oncall_world import T0, World, ladder

M = timedelta(minutes=1)


def test_an_unacknowledged_sev1_climbs_the_ladder_on_the_ack_timeouts() -> None:
    world = World(ladder(5, 10, 15))
    world.open()
    world.run_until(T0 + 60 * M, M)
    assert world.first_reached() == {1: T0, 2: T0 + 5 * M, 3: T0 + 15 * M}
    assert world.notifier.users == ["u1", "u2", "u3"]


def test_repeat_loops_the_ladder_and_then_stops() -> None:
    world = World(ladder(5, 10, repeat=2))
    world.open()
    world.run_until(T0 + 3 * 60 * M, M)
    assert world.notifier.users == ["u1", "u2"] * 3
    assert [p.at - T0 for p in world.pages()] == [m * M for m in (0, 5, 15, 20, 30, 35)]
    assert world.store.next_wake() is None


def test_acknowledging_stops_the_ladder() -> None:
    world = World(ladder(5, 10, 15))
    world.open()
    world.run_until(T0 + 7 * M, M)
    world.service.acknowledge(1, by="u2")
    world.run_until(T0 + 60 * M, M)
    assert world.notifier.users == ["u1", "u2"]


def test_an_expired_acknowledgement_pages_the_ladder_again() -> None:
    world = World(ladder(5, 10, ack_expiry=timedelta(minutes=30)))
    world.open()
    world.run_until(T0 + 2 * M, M)
    world.service.acknowledge(1, by="u1")
    world.run_until(T0 + 40 * M, M)
    assert world.notifier.users == ["u1", "u1", "u2"]
    assert [p.at - T0 for p in world.pages()] == [0 * M, 32 * M, 37 * M]
    changes = [e for e in world.timeline() if isinstance(e, StatusChanged)]
    assert [(c.at - T0, c.reason) for c in changes] == [(32 * M, "acknowledgement expired")]


def test_resolving_stops_everything_even_with_ack_expiry() -> None:
    world = World(ladder(5, ack_expiry=timedelta(minutes=10)))
    world.open()
    world.runner.tick()
    world.service.resolve(1, by="u1")
    world.run_until(T0 + 60 * M, M)
    assert world.notifier.users == ["u1"]


@pytest.mark.parametrize("ack_first", [False, True])
def test_mitigating_stops_the_ladder_and_the_ack_expiry_re_page(*, ack_first: bool) -> None:
    world = World(ladder(5, 10, ack_expiry=timedelta(minutes=10)))
    world.open()
    world.run_until(T0 + 2 * M, M)
    if ack_first:
        world.service.acknowledge(1, by="u1")
    world.service.mitigate(1, by="u1", action="rollback")
    world.run_until(T0 + 120 * M, M)
    assert world.notifier.users == ["u1"]


def test_a_reverted_mitigation_nobody_acknowledged_pages_the_ladder_again() -> None:
    world = World(ladder(5, 10))
    world.open()
    world.run_until(T0 + 2 * M, M)
    world.service.mitigate(1, by="runbook", action="rollback")
    world.run_until(T0 + 30 * M, M)
    reverted = MitigationReverted(at=world.clock.now(), actor="runbook", action="rollback")
    world.store.append(1, [reverted], wake_at=world.clock.now())
    world.run_until(T0 + 40 * M, M)
    assert world.notifier.users == ["u1", "u1", "u2"]
    assert [p.at - T0 for p in world.pages()] == [0 * M, 30 * M, 35 * M]


def test_sev3_opens_a_ticket_and_pages_nobody() -> None:
    world = World(ladder(5, 10))
    world.open(Severity.SEV3)
    world.run_until(T0 + 60 * M, M)
    assert [(n.channel, n.user) for n in world.notifier.sent] == [(Channel.TICKET, "u1")]
    assert world.pages() == []


def test_raising_a_ticket_incident_to_sev1_starts_paging_from_level_one() -> None:
    world = World(ladder(5, 10))
    world.open(Severity.SEV3)
    world.run_until(T0 + 20 * M, M)
    world.service.set_severity(1, Severity.SEV1, by="ic")
    world.run_until(T0 + 40 * M, M)
    assert [p.at - T0 for p in world.pages()] == [20 * M, 25 * M]


def test_a_page_that_cannot_be_delivered_escalates_at_once() -> None:
    world = World(ladder(5, 10, 15), notifier=RecordingNotifier(unreachable={"u1"}))
    world.open()
    world.runner.tick()
    failed = [e for e in world.timeline() if isinstance(e, DeliveryFailed)]
    assert [(f.target, f.attempts) for f in failed] == [("u1", 2)]
    assert world.notifier.users == ["u2"]
    # The retry waited through the clock (1 s backoff); level 3 follows level 2's timeout.
    level2 = world.pages()[0].at
    assert level2 == T0 + timedelta(seconds=1)
    world.run_until(T0 + 30 * M, M)
    assert world.notifier.users == ["u2", "u3"]
    assert world.first_reached()[3] == level2 + 10 * M


def test_a_schedule_with_nobody_on_call_escalates_at_once() -> None:
    empty = Schedule(name="primary", time_zone="UTC")
    policy = EscalationPolicy(
        name="p",
        levels=(
            Level(targets=(Target.parse("schedule:primary"),), ack_timeout=5 * M),
            Level(targets=(Target.parse("user:boss"),), ack_timeout=5 * M),
        ),
    )
    world = World(policy, schedules={"primary": empty})
    world.open()
    world.runner.tick()
    assert world.notifier.users == ["boss"]
    failed = [e for e in world.timeline() if isinstance(e, DeliveryFailed)]
    assert [(f.via, f.error) for f in failed] == [("schedule:primary", "nobody is on call")]


def test_schedule_targets_page_whoever_is_on_call_when_the_step_fires() -> None:
    rota = Schedule(
        name="primary",
        time_zone="Europe/Berlin",
        layers=(
            Layer(
                name="weekly",
                rotation=Rotation(
                    kind=Handoff.DAILY,
                    handoff=T0.astimezone().time().replace(hour=10, minute=0),
                    start=T0.date(),
                    members=("ann", "bob"),
                ),
            ),
        ),
    )
    policy = EscalationPolicy(
        name="p",
        levels=(Level(targets=(Target.parse("schedule:primary"),), ack_timeout=5 * M),),
        repeat=1,
    )
    world = World(policy, schedules={"primary": rota}, start=T0 + timedelta(days=1) - 2 * M)
    world.open()
    world.run_until(world.clock.now() + 10 * M, M)
    # 09:58 Berlin on day 2 is still ann's shift (handoff 10:00); 10:03 is bob's.
    assert world.notifier.users == ["ann", "bob"]


def test_the_decision_is_the_same_for_the_same_timeline_and_time() -> None:
    world = World(ladder(5, 10, 15))
    world.open()
    timeline = world.timeline()
    first = escalate(world.policy, {}, timeline, T0 + 6 * M)
    again = escalate(world.policy, {}, timeline, T0 + 6 * M)
    assert first == again
    assert [s.level for s in first.steps] == [1, 2]
    assert first.next_wake == T0 + 15 * M
    assert fold(timeline).status == "triggered"


class MeddlingNotifier(RecordingNotifier):
    """Delivers, and meanwhile someone else writes to the incident (a racing CLI command)."""

    def __init__(self, meddle: Callable[[], None]) -> None:
        super().__init__()
        self.meddle = meddle

    def send(self, notification: Notification) -> None:
        super().send(notification)
        self.meddle()


def test_an_acknowledgement_racing_a_page_wins_and_the_page_is_still_recorded() -> None:
    world = World(ladder(5, 10, ack_expiry=timedelta(minutes=30)))
    world.notifier = MeddlingNotifier(lambda: world.service.acknowledge(1, by="u1"))
    world.runner = replace_notifier(world)
    world.open()
    world.runner.tick()
    state = world.store.get(1).state
    assert state.status is Status.ACKNOWLEDGED
    assert [p.target for p in world.pages()] == ["u1"]
    world.notifier.meddle = lambda: None
    world.run_until(T0 + 20 * M, M)
    assert [p.target for p in world.pages()] == ["u1"]


def test_a_resolve_racing_a_re_page_is_never_undone_by_the_runner() -> None:
    world = World(ladder(5, 10, ack_expiry=timedelta(minutes=30)))
    world.notifier = MeddlingNotifier(lambda: None)
    world.runner = replace_notifier(world)
    world.open()
    world.runner.tick()
    world.service.acknowledge(1, by="u1")
    world.clock.advance(31 * M)
    # The acknowledgement expired; while the runner re-pages, someone resolves.
    world.notifier.meddle = lambda: world.service.resolve(1, by="u1")
    world.runner.tick()
    assert world.store.get(1).state.status is Status.RESOLVED
    world.notifier.meddle = lambda: None
    world.run_until(T0 + 120 * M, M)
    assert world.store.get(1).state.status is Status.RESOLVED
    assert len(world.notifier.sent) == 2  # the first page and the one re-page in flight


def replace_notifier(world: World) -> EscalationRunner:
    return EscalationRunner(
        store=world.store,
        policies={"p": world.policy},
        schedules={},
        notifier=world.notifier,
        clock=world.clock,
        default_policy="p",
    )


def test_an_incident_whose_policy_is_not_loaded_uses_the_default_policy() -> None:
    world = World(ladder(5))
    world.service.open(title="x", severity=Severity.SEV1, actor="t", policy="elsewhere")
    world.runner.tick()
    assert world.notifier.users == ["u1"]


def test_an_incident_with_no_policy_at_all_says_so_on_its_timeline() -> None:
    world = World(ladder(5))
    runner = EscalationRunner(
        store=world.store,
        policies={"p": world.policy},
        schedules={},
        notifier=world.notifier,
        clock=world.clock,
    )
    world.open()
    report = runner.tick()
    assert report.unrouted == 1
    [note] = [e for e in world.timeline() if e.kind == "note"]
    assert "nobody is paged" in note.text  # type: ignore[attr-defined]
    assert world.store.next_wake() is None


def test_the_run_loop_sleeps_until_each_page_is_due_and_pages_on_time() -> None:
    world = World(ladder(5, 10, 15))
    world.open()
    reports = list(world.runner.run(interval=timedelta(hours=1), max_ticks=4))
    assert [r.pages for r in reports] == [1, 1, 1, 0]
    assert world.first_reached() == {1: T0, 2: T0 + 5 * M, 3: T0 + 15 * M}
    # After the ladder ran out, the loop falls back to looking every interval.
    assert world.clock.now() == T0 + 15 * M + timedelta(hours=1)

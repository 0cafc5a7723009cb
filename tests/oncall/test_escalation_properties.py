"""Properties of the escalation ladder, run through the real runner on a simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from onshift.incident.events import Channel, PageSent, Severity
from onshift.incident.reducer import fold
from onshift.oncall.escalation import escalate_state
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.schedule import Handoff, Layer, Override, Rotation, Schedule
from tests.oncall.oncall_world import World

M = timedelta(minutes=1)
S = timedelta(seconds=1)
# Hypothesis wants naive bounds; the drawn values get UTC.
LOW = datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None)
HIGH = datetime(2027, 1, 1, tzinfo=UTC).replace(tzinfo=None)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")


@st.composite
def policies(draw: st.DrawFn, *, with_expiry: bool = True) -> EscalationPolicy:
    count = draw(st.integers(1, 4))
    levels = []
    for i in range(count):
        targets = [Target.parse(f"user:u{i + 1}")]
        if draw(st.booleans()):
            targets.append(Target.parse("schedule:rota"))
        minutes = draw(st.integers(1, 45))
        levels.append(Level(targets=tuple(targets), ack_timeout=minutes * M))
    expiry = draw(st.none() | st.integers(5, 120).map(lambda m: m * M)) if with_expiry else None
    sev2 = draw(st.sampled_from([Channel.PAGE, Channel.TICKET]))
    return EscalationPolicy(
        name="p",
        levels=tuple(levels),
        repeat=draw(st.integers(0, 2)),
        ack_expiry=expiry,
        routing={Severity.SEV2: sev2},
    )


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    members = tuple(draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4)))
    rotation = Rotation(
        kind=draw(st.sampled_from(list(Handoff))),
        handoff=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))),
        start=draw(st.dates(date(2025, 1, 1), date(2027, 1, 1))),
        members=members,
    )
    overrides = ()
    if draw(st.booleans()):
        start = draw(st.datetimes(LOW, HIGH, timezones=st.just(UTC)))
        overrides = (Override(who="z", start=start, end=start + timedelta(hours=6)),)
    return Schedule(
        name="rota",
        time_zone=zone,
        layers=(Layer(name="main", rotation=rotation),),
        overrides=overrides,
    )


starts = st.datetimes(LOW, HIGH, timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
ticks = st.integers(1, 300).map(lambda s: s * S)


@settings(max_examples=60, deadline=None)
@given(policy=policies(with_expiry=False), rota=schedules(), start=starts, tick=ticks)
def test_an_unacknowledged_sev1_reaches_level_k_after_the_first_k_minus_1_ack_timeouts(
    policy: EscalationPolicy, rota: Schedule, start: datetime, tick: timedelta
) -> None:
    world = World(policy, schedules={"rota": rota}, start=start)
    world.open(Severity.SEV1)
    total = sum((lv.ack_timeout for lv in policy.levels), timedelta(0))
    world.run_until(start + total + 2 * tick, tick)
    reached = world.first_reached()
    for k in range(1, len(policy.levels) + 1):
        expected = start + sum((lv.ack_timeout for lv in policy.levels[: k - 1]), timedelta(0))
        assert expected <= reached[k] < expected + tick, (k, reached[k] - expected)


@settings(max_examples=60, deadline=None)
@given(
    policy=policies(),
    rota=schedules(),
    start=starts,
    tick=ticks,
    ack_after=st.integers(0, 200 * 60).map(lambda s: s * S),
)
def test_acknowledging_at_any_point_stops_further_pages(
    policy: EscalationPolicy,
    rota: Schedule,
    start: datetime,
    tick: timedelta,
    ack_after: timedelta,
) -> None:
    world = World(policy, schedules={"rota": rota}, start=start)
    world.open(Severity.SEV1)
    world.run_until(start + ack_after, tick)
    world.clock.advance(start + ack_after - world.clock.now())
    world.service.acknowledge(1, by="someone")
    acked_at = world.clock.now()
    horizon = acked_at + (policy.ack_expiry or timedelta(hours=10))
    world.run_until(horizon - S, tick)
    later = [p for p in world.pages() if p.at > acked_at]
    assert later == []


@settings(max_examples=80, deadline=None)
@given(
    policy=policies(),
    rota=schedules(),
    start=starts,
    tick=ticks,
    actions=st.lists(
        st.tuples(
            st.sampled_from(["tick", "ack", "unack", "sev3", "sev4", "resolve", "reopen"]),
            st.integers(1, 90).map(lambda m: m * M),
        ),
        max_size=12,
    ),
    severity=st.sampled_from([Severity.SEV3, Severity.SEV4]),
)
def test_sev3_and_sev4_never_page_anyone_for_any_policy_schedule_or_time(
    *,
    policy: EscalationPolicy,
    rota: Schedule,
    start: datetime,
    tick: timedelta,
    actions: list[tuple[str, timedelta]],
    severity: Severity,
) -> None:
    world = World(policy, schedules={"rota": rota}, start=start)
    world.open(severity)
    svc = world.service
    for action, wait in actions:
        world.run_until(world.clock.now() + wait, tick)
        state = world.store.get(1).state
        if action == "ack" and state.status == "triggered":
            svc.acknowledge(1, by="x")
        elif action == "unack" and state.status in ("acknowledged", "mitigated"):
            svc.reopen(1, by="x", reason="not fixed")
        elif action in ("sev3", "sev4") and state.is_open and state.severity != action:
            svc.set_severity(1, Severity(action), by="x")
        elif action == "resolve" and state.is_open:
            svc.resolve(1, by="x")
        elif action == "reopen" and not state.is_open:
            svc.reopen(1, by="x")
        # The pure function agrees at arbitrary times, not only at ticks.
        state = world.store.get(1).state
        for later in (timedelta(0), wait, 30 * wait):
            decision = escalate_state(policy, {"rota": rota}, state, world.clock.now() + later)
            assert all(step.channel is Channel.TICKET for step in decision.steps)
    world.run_until(world.clock.now() + 6 * 60 * M, tick)
    assert [n for n in world.notifier.sent if n.channel is Channel.PAGE] == []
    assert not any(isinstance(e, PageSent) for e in world.timeline())
    assert fold(world.timeline()).severity in (Severity.SEV3, Severity.SEV4)

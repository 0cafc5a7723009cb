"""Properties of rotations in zones with DST (including Lord Howe's 30-minute shift)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from onshift.oncall.schedule import Handoff, Layer, Rotation, Schedule, on_call

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]
LOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
HIGH = datetime(2027, 12, 31, tzinfo=UTC).replace(tzinfo=None)


@settings(max_examples=300)
# Santiago skips 00:00–01:00 on 2026-09-06: a 00:30 handoff happens at 01:00, across midnight.
@example(
    zone="America/Santiago",
    kind=Handoff.DAILY,
    handoff=time(0, 30),
    at=datetime(2026, 9, 6, 3, 0, tzinfo=UTC),
    members=2,
)
# New York repeats 01:00-02:00 on 2026-11-01: 01:10 EST is after the 01:30 handoff (EDT).
@example(
    zone="America/New_York",
    kind=Handoff.DAILY,
    handoff=time(1, 30),
    at=datetime(2026, 11, 1, 6, 10, tzinfo=UTC),
    members=2,
)
@given(
    zone=st.sampled_from(ZONES),
    kind=st.sampled_from(list(Handoff)),
    handoff=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    at=st.datetimes(LOW, HIGH, timezones=st.just(UTC)),
    members=st.integers(1, 4),
)
def test_the_shift_holding_any_instant_starts_and_ends_at_the_local_handoff(
    zone: str, kind: Handoff, handoff: time, at: datetime, members: int
) -> None:
    names = tuple(f"m{i}" for i in range(members))
    rotation = Rotation(kind=kind, handoff=handoff, start=date(2025, 12, 1), members=names)
    schedule = Schedule(name="s", time_zone=zone, layers=(Layer(name="l", rotation=rotation),))
    found = on_call(schedule, at)
    assert found.since is not None
    assert found.until is not None
    assert found.since <= at < found.until
    # The shift is one period long, give or take the DST change it may span (≤ 1 h).
    period = timedelta(days=1 if kind is Handoff.DAILY else 7)
    assert abs((found.until - found.since) - period) <= timedelta(hours=1)
    # Both ends are handoffs in local time (or the first instant after a skipped handoff).
    local = ZoneInfo(zone)
    for edge in (found.since, found.until):
        wall = edge.astimezone(local).replace(tzinfo=None)
        just_before = (edge - timedelta(seconds=1)).astimezone(local).replace(tzinfo=None)
        target = datetime.combine(wall.date(), handoff)
        assert wall == target or just_before < target < wall
    # The next shift belongs to the next member.
    following = on_call(schedule, found.until)
    assert following.since == found.until
    assert names.index(following.user) == (names.index(found.user) + 1) % members  # type: ignore[arg-type]

"""On-call schedules: rotations with a local handoff time in an IANA zone, layers, overrides.

"Who is on call at T" works on local wall-clock time, so a 09:00 handoff stays at 09:00 local
on both sides of a DST change (the shift that spans the change is an hour shorter or longer).
A handoff time that does not exist on a spring-forward day happens at the first local instant
after it.

Precedence at T: the latest override covering T, else the first layer (in listed order) that
is active at T and has someone on call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "Handoff",
    "Layer",
    "OnCall",
    "Override",
    "Restriction",
    "Rotation",
    "Schedule",
    "Shift",
    "local_to_utc",
    "on_call",
]


class Handoff(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


_PERIOD_DAYS = {Handoff.DAILY: 1, Handoff.WEEKLY: 7}


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first instant at which the wall clock in ``zone`` reads ``day`` ``at`` or later."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # ``naive`` falls into a spring-forward gap: find the transition (whole seconds).
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= naive:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rotation:
    """Members take turns, handing off every day (or every 7 days) at ``handoff`` local time.

    ``members[0]`` is on call from ``start`` at ``handoff``; a weekly rotation hands off on the
    weekday of ``start``.
    """

    kind: Handoff
    handoff: time
    start: date
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.members:
            msg = "a rotation needs at least one member"
            raise ValueError(msg)

    def shift_index(self, local: datetime) -> int | None:
        day = local.date()
        if local.replace(tzinfo=None).time() < self.handoff:
            day -= timedelta(days=1)
        days = (day - self.start).days
        if days < 0:
            return None
        return days // _PERIOD_DAYS[self.kind]

    def shift_at(self, at: datetime, zone: ZoneInfo) -> tuple[int, datetime, datetime] | None:
        """The shift holding the instant ``at``: (index, start, end), or ``None`` before the first.

        The wall clock alone is not enough: in the hour a fall-back repeats, it reads a time
        before a handoff that already happened the first time round. The shift's instants decide.
        """
        found = self.shift_index(at.astimezone(zone))
        index = 0 if found is None else found
        since, until = self.shift_bounds(index, zone)
        if at >= until:
            index += 1
            since, until = self.shift_bounds(index, zone)
        if at < since:
            return None
        return index, since, until

    def shift_bounds(self, index: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
        period = timedelta(days=_PERIOD_DAYS[self.kind])
        begin = self.start + period * index
        return local_to_utc(begin, self.handoff, zone), local_to_utc(
            begin + period, self.handoff, zone
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Restriction:
    """A layer is active only on ``days`` (0 = Monday) between ``start`` and ``end`` local.

    ``end`` ≤ ``start`` means the window runs overnight into the next day.
    """

    days: frozenset[int]
    start: time
    end: time

    def active(self, local: datetime) -> bool:
        wall = local.replace(tzinfo=None).time()
        weekday = local.weekday()
        if self.start < self.end:
            return weekday in self.days and self.start <= wall < self.end
        return (weekday in self.days and wall >= self.start) or (
            (weekday - 1) % 7 in self.days and wall < self.end
        )

    def next_edge(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        """The first instant after ``at`` at which a window opens or closes."""
        today = at.astimezone(zone).date()
        edges = []
        for offset in range(-1, 9):
            day = today + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            closes = day if self.start < self.end else day + timedelta(days=1)
            edges += [local_to_utc(day, self.start, zone), local_to_utc(closes, self.end, zone)]
        return min((e for e in edges if e > at), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shift:
    """Someone explicitly on call from ``start`` (inclusive) to ``end`` (exclusive)."""

    who: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            msg = "shift times must be timezone-aware"
            raise ValueError(msg)
        if self.end <= self.start:
            msg = "a shift must end after it starts"
            raise ValueError(msg)

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


Override = Shift


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """Either a rotation or a list of explicit shifts (from an iCalendar import)."""

    name: str
    rotation: Rotation | None = None
    shifts: tuple[Shift, ...] = ()
    restrict: Restriction | None = None

    def __post_init__(self) -> None:
        if self.rotation is not None and self.shifts:
            msg = "a layer has either a rotation or shifts, not both"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class OnCall:
    """Who is on call, from which layer (or ``override``), and since/until when if known."""

    user: str | None
    source: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    name: str
    time_zone: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.time_zone))


def _layer_on_call(layer: Layer, zone: ZoneInfo, at: datetime, local: datetime) -> OnCall | None:
    if layer.restrict is not None and not layer.restrict.active(local):
        return None
    if layer.rotation is not None:
        held = layer.rotation.shift_at(at, zone)
        if held is None:
            return None
        index, since, until = held
        who = layer.rotation.members[index % len(layer.rotation.members)]
        return OnCall(user=who, source=layer.name, since=since, until=until)
    for shift in reversed(layer.shifts):
        if shift.covers(at):
            return OnCall(user=shift.who, source=layer.name, since=shift.start, until=shift.end)
    return None


def on_call(schedule: Schedule, at: datetime) -> OnCall:
    """Who is on call in ``schedule`` at the instant ``at`` (aware)."""
    if at.tzinfo is None:
        msg = "on_call needs an aware datetime"
        raise ValueError(msg)
    for i in reversed(range(len(schedule.overrides))):
        override = schedule.overrides[i]
        if override.covers(at):
            # A later-listed override that starts meanwhile takes over.
            later = [o.start for o in schedule.overrides[i + 1 :] if o.start > at]
            until = min([override.end, *later])
            return OnCall(user=override.who, source="override", since=override.start, until=until)
    local = at.astimezone(schedule.zone)
    for i, layer in enumerate(schedule.layers):
        found = _layer_on_call(layer, schedule.zone, at, local)
        if found is not None:
            return replace(found, until=_until(schedule, i, at, found.until))
    return OnCall(user=None)


def _until(schedule: Schedule, index: int, at: datetime, until: datetime | None) -> datetime | None:
    """The rotation's end, or earlier: when this layer's window closes, when an earlier layer's
    window opens, or when an override starts (the answer may change there)."""
    edges: list[datetime | None] = [o.start for o in schedule.overrides if o.start > at]
    for layer in schedule.layers[: index + 1]:
        if layer.restrict is not None:
            edges.append(layer.restrict.next_edge(at, schedule.zone))
    return min((e for e in [until, *edges] if e is not None), default=None)

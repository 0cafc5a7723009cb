"""``kind: EscalationPolicy`` and ``kind: Schedule`` files (``apiVersion: onshift/v1``).

Parsed once here into domain values; every problem is reported with file, line and field path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from onshift.errors import Problem, SpecError
from onshift.incident.events import Channel, Severity
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.schedule import (
    Handoff,
    Layer,
    Restriction,
    Rotation,
    Schedule,
    Shift,
    local_to_utc,
)
from onshift.specfile import Document, PathElem, for_each_document, parse_model
from onshift.units import parse_duration

__all__ = ["OnCallConfig", "load_oncall", "parse_policy", "parse_schedule"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Metadata(_Strict):
    name: str = Field(min_length=1)


class _Head(BaseModel):
    model_config = ConfigDict(extra="allow")
    apiVersion: Literal["onshift/v1"]  # noqa: N815 - the wire name
    kind: str


class _LevelModel(_Strict):
    targets: list[str] = Field(min_length=1)
    ack_timeout: str


class _PolicySpec(_Strict):
    levels: list[_LevelModel] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=9)
    ack_expiry: str | None = None
    routing: dict[Severity, Channel] = Field(default_factory=dict)


class _PolicyModel(_Strict):
    apiVersion: Literal["onshift/v1"]  # noqa: N815
    kind: Literal["EscalationPolicy"]
    metadata: _Metadata
    spec: _PolicySpec


class _RotationModel(_Strict):
    type: Handoff
    handoff: Any
    start: date
    members: list[str] = Field(min_length=1)


class _RestrictModel(_Strict):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    from_: Any = Field(alias="from")
    to: Any


class _ShiftModel(_Strict):
    who: str = Field(min_length=1)
    from_: Any = Field(alias="from")
    to: Any


class _LayerModel(_Strict):
    name: str = Field(min_length=1)
    rotation: _RotationModel | None = None
    shifts: list[_ShiftModel] | None = None
    restrict: _RestrictModel | None = None


class _ScheduleSpec(_Strict):
    time_zone: str
    layers: list[_LayerModel] = Field(default_factory=list)
    overrides: list[_ShiftModel] = Field(default_factory=list)


class _ScheduleModel(_Strict):
    apiVersion: Literal["onshift/v1"]  # noqa: N815
    kind: Literal["Schedule"]
    metadata: _Metadata
    spec: _ScheduleSpec


class _Collector:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, path: Sequence[PathElem], message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def duration(self, text: str, path: Sequence[PathElem]) -> timedelta | None:
        try:
            return parse_duration(text)
        except ValueError as exc:
            self.add(path, str(exc))
            return None


def parse_policy(doc: Document) -> EscalationPolicy:
    model = parse_model(_PolicyModel, doc)
    c = _Collector(doc)
    levels = []
    for i, level in enumerate(model.spec.levels):
        base: list[PathElem] = ["spec", "levels", i]
        targets = []
        for j, text in enumerate(level.targets):
            try:
                targets.append(Target.parse(text))
            except ValueError as exc:
                c.add([*base, "targets", j], str(exc))
        timeout = c.duration(level.ack_timeout, [*base, "ack_timeout"])
        if timeout is not None and targets:
            levels.append(Level(targets=tuple(targets), ack_timeout=timeout))
    expiry = None
    if model.spec.ack_expiry is not None:
        expiry = c.duration(model.spec.ack_expiry, ["spec", "ack_expiry"])
    for severity, channel in model.spec.routing.items():
        if severity in (Severity.SEV3, Severity.SEV4) and channel is Channel.PAGE:
            c.add(
                ["spec", "routing", str(severity)],
                f"{severity} never pages anyone, at any hour; route it to 'ticket'",
            )
    if c.problems:
        raise SpecError(c.problems)
    return EscalationPolicy(
        name=model.metadata.name,
        levels=tuple(levels),
        repeat=model.spec.repeat,
        ack_expiry=expiry,
        routing=dict(model.spec.routing),
    )


def _clock_time(c: _Collector, value: Any, path: Sequence[PathElem]) -> time | None:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    hint = " (quote it: YAML reads 10:30 unquoted as a number)" if isinstance(value, int) else ""
    c.add(path, f'expected a local time such as "09:00"{hint}, got {value!r}')
    return None


def _instant(
    c: _Collector, value: Any, zone: ZoneInfo, path: Sequence[PathElem]
) -> datetime | None:
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        c.add(path, f"expected a time such as 2026-03-29T09:00:00+02:00, got {value!r}")
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    # A time without an offset is local to the schedule's zone; like a handoff, one that a
    # spring-forward skips is the first instant after it, one a fall-back repeats the first.
    return local_to_utc(moment.date(), moment.time(), zone)


def _shifts(
    c: _Collector, items: Iterable[_ShiftModel], zone: ZoneInfo, base: list[PathElem]
) -> list[Shift]:
    out = []
    for i, item in enumerate(items):
        start = _instant(c, item.from_, zone, [*base, i, "from"])
        end = _instant(c, item.to, zone, [*base, i, "to"])
        if start is None or end is None:
            continue
        if end <= start:
            skipped = " (both fall in the hour a DST change skips)" if end == start else ""
            c.add([*base, i, "to"], f"must be after 'from'{skipped}")
            continue
        out.append(Shift(who=item.who, start=start, end=end))
    return out


def parse_schedule(doc: Document) -> Schedule:
    model = parse_model(_ScheduleModel, doc)
    c = _Collector(doc)
    try:
        zone = ZoneInfo(model.spec.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        c.add(["spec", "time_zone"], f"unknown IANA time zone {model.spec.time_zone!r}")
        raise SpecError(c.problems) from None
    layers = []
    for i, layer in enumerate(model.spec.layers):
        base: list[PathElem] = ["spec", "layers", i]
        if (layer.rotation is None) == (layer.shifts is None):
            c.add(base, "a layer needs exactly one of 'rotation' or 'shifts'")
            continue
        rotation = None
        if layer.rotation is not None:
            handoff = _clock_time(c, layer.rotation.handoff, [*base, "rotation", "handoff"])
            if handoff is not None:
                rotation = Rotation(
                    kind=layer.rotation.type,
                    handoff=handoff,
                    start=layer.rotation.start,
                    members=tuple(layer.rotation.members),
                )
        shifts = _shifts(c, layer.shifts or [], zone, [*base, "shifts"])
        restrict = None
        if layer.restrict is not None:
            start = _clock_time(c, layer.restrict.from_, [*base, "restrict", "from"])
            end = _clock_time(c, layer.restrict.to, [*base, "restrict", "to"])
            if start is not None and end is not None:
                days = frozenset(_DAYS.index(d) for d in layer.restrict.days)
                restrict = Restriction(days=days, start=start, end=end)
        layers.append(
            Layer(name=layer.name, rotation=rotation, shifts=tuple(shifts), restrict=restrict)
        )
    overrides = _shifts(c, model.spec.overrides, zone, ["spec", "overrides"])
    if c.problems:
        raise SpecError(c.problems)
    return Schedule(
        name=model.metadata.name,
        time_zone=model.spec.time_zone,
        layers=tuple(layers),
        overrides=tuple(overrides),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OnCallConfig:
    policies: dict[str, EscalationPolicy] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)

    def missing_schedules(self) -> list[tuple[str, str]]:
        """(policy, schedule) pairs where a policy names a schedule that is not loaded."""
        return [
            (p.name, s)
            for p in self.policies.values()
            for s in sorted(p.schedules())
            if s not in self.schedules
        ]


def load_oncall(paths: Iterable[Path | str]) -> OnCallConfig:
    """Every EscalationPolicy and Schedule in ``paths`` (one problem list for all files)."""
    config = OnCallConfig()
    for_each_document(paths, lambda doc: _load_one(doc, config))
    return config


def _load_one(doc: Document, config: OnCallConfig) -> None:
    if not isinstance(doc.data, dict):
        got = type(doc.data).__name__
        msg = f"expected a mapping with apiVersion, kind, metadata and spec, got a {got}"
        raise SpecError([doc.problem([], msg)])
    head = parse_model(_Head, doc)
    if head.kind == "EscalationPolicy":
        policy = parse_policy(doc)
        if policy.name in config.policies:
            raise SpecError([doc.problem(["metadata", "name"], "a policy with this name exists")])
        config.policies[policy.name] = policy
    elif head.kind == "Schedule":
        schedule = parse_schedule(doc)
        if schedule.name in config.schedules:
            raise SpecError([doc.problem(["metadata", "name"], "a schedule with this name exists")])
        config.schedules[schedule.name] = schedule
    else:
        raise SpecError(
            [doc.problem(["kind"], f"expected EscalationPolicy or Schedule, got {head.kind!r}")]
        )

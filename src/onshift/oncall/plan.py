"""“Who gets paged when if nobody acknowledges”: the ladder laid out from a start time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from onshift.incident.events import Channel, Severity
from onshift.oncall.escalation import resolve_targets
from onshift.oncall.policy import EscalationPolicy
from onshift.oncall.schedule import Schedule

__all__ = ["PlanEntry", "plan"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanEntry:
    after: timedelta
    level: int
    targets: tuple[str, ...]
    channel: Channel
    users: tuple[str, ...] | None = None  # who the targets resolve to, when schedules are known


def plan(
    policy: EscalationPolicy,
    severity: Severity,
    *,
    at: datetime,
    schedules: Mapping[str, Schedule] | None = None,
) -> tuple[PlanEntry, ...]:
    out = []
    for step in policy.ladder(severity):
        users = None
        if schedules is not None:
            resolved = resolve_targets(step.targets, schedules, at + step.offset)
            users = tuple(r.user for r in resolved if r.user is not None)
        out.append(
            PlanEntry(
                after=step.offset,
                level=step.level,
                targets=tuple(str(t) for t in step.targets),
                channel=step.channel,
                users=users,
            )
        )
    return tuple(out)

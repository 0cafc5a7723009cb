"""Escalation as a pure function: (policy, schedules, timeline, now) → steps due + next wake-up.

The ladder starts (its *anchor*) when the incident last entered ``triggered``, or when its
severity last moved it between the page and ticket routes, or when an acknowledgement expired.
Step *i* is due at the anchor plus the ack timeouts of the steps before it; a step that reached
nobody (no one on call, every delivery failed) makes the next one due at once. Steps already
on the timeline (``Escalated`` events for this anchor) are not repeated, so calling this again
with the same timeline and time gives the same answer and never pages twice.

Acknowledge stops the ladder; mitigate and resolve stop everything; with ``ack_expiry`` an
acknowledgement that old starts the ladder again from level 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from onshift.incident.events import Channel, Event, Status
from onshift.incident.reducer import IncidentState, fold
from onshift.oncall.policy import EscalationPolicy, Target, TargetKind
from onshift.oncall.schedule import Schedule, on_call

__all__ = [
    "DueStep",
    "EscalationDecision",
    "Recipient",
    "escalate",
    "escalate_state",
    "ladder_anchor",
    "resolve_targets",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """A target as written (``via``) and the person it resolved to (``None``: nobody)."""

    via: str
    user: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DueStep:
    ladder_start: datetime
    step: int
    level: int
    channel: Channel
    due_at: datetime
    recipients: tuple[Recipient, ...]

    @property
    def reaches_anyone(self) -> bool:
        return any(r.user is not None for r in self.recipients)


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationDecision:
    steps: tuple[DueStep, ...] = ()
    next_wake: datetime | None = None
    ack_expired_at: datetime | None = None  # record "back to triggered" at this time first

    @property
    def pages(self) -> tuple[Recipient, ...]:
        return tuple(
            r for s in self.steps if s.channel is Channel.PAGE for r in s.recipients if r.user
        )


_NOTHING = EscalationDecision()


def resolve_targets(
    targets: Iterable[Target], schedules: Mapping[str, Schedule], at: datetime
) -> tuple[Recipient, ...]:
    out: list[Recipient] = []
    for target in targets:
        if target.kind is TargetKind.USER:
            out.append(Recipient(via=str(target), user=target.name))
            continue
        schedule = schedules.get(target.name)
        user = None if schedule is None else on_call(schedule, at).user
        out.append(Recipient(via=str(target), user=user))
    return tuple(out)


def ladder_anchor(policy: EscalationPolicy, state: IncidentState) -> datetime:
    """When the current ladder started: last (re-)trigger or last change of route."""
    since = state.opened_at
    previous: Channel | None = None
    for at, severity in state.severity_changes:
        channel = policy.channel(severity)
        if previous is not None and channel is not previous:
            since = at
        previous = channel
    return max(state.triggered_at, since)


def escalate_state(
    policy: EscalationPolicy,
    schedules: Mapping[str, Schedule],
    state: IncidentState,
    now: datetime,
) -> EscalationDecision:
    """The escalation steps due at ``now`` and when to look again (``None``: never)."""
    if state.status in (Status.MITIGATED, Status.RESOLVED):
        return _NOTHING
    channel = policy.channel(state.severity)
    anchor = ladder_anchor(policy, state)
    expired: datetime | None = None
    if channel is Channel.PAGE and state.status is Status.ACKNOWLEDGED:
        if policy.ack_expiry is None or state.acknowledged_at is None:
            return _NOTHING
        expiry = state.acknowledged_at + policy.ack_expiry
        if expiry > now:
            return EscalationDecision(next_wake=expiry)
        anchor = expired = expiry
    steps: list[DueStep] = []
    next_wake: datetime | None = None
    due = anchor
    for step in policy.ladder(state.severity):
        key = (anchor, step.index)
        if key in state.steps_done:
            failed = state.failed_at(key)
            following = due + step.timeout
            due = following if failed is None else min(following, max(failed, due))
            continue
        if due > now:
            next_wake = due
            break
        recipients = resolve_targets(step.targets, schedules, now)
        found = DueStep(
            ladder_start=anchor,
            step=step.index,
            level=step.level,
            channel=step.channel,
            due_at=due,
            recipients=recipients,
        )
        steps.append(found)
        if found.reaches_anyone:
            due += step.timeout
    return EscalationDecision(steps=tuple(steps), next_wake=next_wake, ack_expired_at=expired)


def escalate(
    policy: EscalationPolicy,
    schedules: Mapping[str, Schedule],
    timeline: Iterable[Event],
    now: datetime,
) -> EscalationDecision:
    """:func:`escalate_state` on the fold of ``timeline``."""
    return escalate_state(policy, schedules, fold(timeline), now)

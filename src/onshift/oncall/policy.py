"""Escalation policies as domain values: an ordered ladder of levels, repeats, routing.

``sev1``/``sev2`` page with escalation by default; ``sev3``/``sev4`` open a ticket and never page
anyone — a policy that routes them to a page is rejected when it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from onshift.incident.events import Channel, Severity

__all__ = [
    "DEFAULT_ROUTING",
    "NEVER_PAGE",
    "EscalationPolicy",
    "LadderStep",
    "Level",
    "Target",
    "TargetKind",
]

#: Severities that may only ever open a ticket.
NEVER_PAGE = frozenset({Severity.SEV3, Severity.SEV4})

DEFAULT_ROUTING: Mapping[Severity, Channel] = MappingProxyType(
    {
        Severity.SEV1: Channel.PAGE,
        Severity.SEV2: Channel.PAGE,
        Severity.SEV3: Channel.TICKET,
        Severity.SEV4: Channel.TICKET,
    }
)


class TargetKind(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """``user:NAME`` or ``schedule:NAME``."""

    kind: TargetKind
    name: str

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip():
            msg = f"a {self.kind} target needs a name without surrounding spaces"
            raise ValueError(msg)

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> Target:
        kind, sep, name = text.partition(":")
        if not sep or kind not in TargetKind.__members__.values():
            msg = f"expected a target such as user:alice or schedule:primary, got {text!r}"
            raise ValueError(msg)
        return cls(kind=TargetKind(kind), name=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    targets: tuple[Target, ...]
    ack_timeout: timedelta

    def __post_init__(self) -> None:
        if not self.targets:
            msg = "a level needs at least one target"
            raise ValueError(msg)
        if self.ack_timeout <= timedelta(0):
            msg = "ack_timeout must be positive"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class LadderStep:
    """One notification step: level ``level`` (1-based) of pass ``index // len(levels)``."""

    index: int
    level: int
    offset: timedelta  # from the start of the ladder, if nobody acknowledges
    timeout: timedelta  # until the next step
    targets: tuple[Target, ...]
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationPolicy:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 0  # extra passes over the ladder after the first
    ack_expiry: timedelta | None = None  # an acknowledgement older than this pages again
    routing: Mapping[Severity, Channel] = field(default_factory=lambda: DEFAULT_ROUTING)
    page_ladder: tuple[LadderStep, ...] = field(init=False, repr=False, compare=False)
    ticket_ladder: tuple[LadderStep, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.levels:
            msg = "an escalation policy needs at least one level"
            raise ValueError(msg)
        if self.repeat < 0:
            msg = "repeat cannot be negative"
            raise ValueError(msg)
        if self.ack_expiry is not None and self.ack_expiry <= timedelta(0):
            msg = "ack_expiry must be positive"
            raise ValueError(msg)
        routing = dict(DEFAULT_ROUTING)
        routing.update(self.routing)
        for severity in NEVER_PAGE:
            if routing[severity] is Channel.PAGE:
                msg = f"{severity} never pages anyone; route it to a ticket"
                raise ValueError(msg)
        object.__setattr__(self, "routing", MappingProxyType(routing))
        steps: list[LadderStep] = []
        offset = timedelta(0)
        for index in range(len(self.levels) * (self.repeat + 1)):
            number = index % len(self.levels)
            level = self.levels[number]
            steps.append(
                LadderStep(
                    index=index,
                    level=number + 1,
                    offset=offset,
                    timeout=level.ack_timeout,
                    targets=level.targets,
                    channel=Channel.PAGE,
                )
            )
            offset += level.ack_timeout
        object.__setattr__(self, "page_ladder", tuple(steps))
        first = self.levels[0]
        ticket = LadderStep(
            index=0,
            level=1,
            offset=timedelta(0),
            timeout=first.ack_timeout,
            targets=first.targets,
            channel=Channel.TICKET,
        )
        object.__setattr__(self, "ticket_ladder", (ticket,))

    def channel(self, severity: Severity) -> Channel:
        return self.routing[severity]

    def ladder(self, severity: Severity) -> tuple[LadderStep, ...]:
        """The steps an incident of ``severity`` goes through if nobody acknowledges."""
        if self.channel(severity) is Channel.PAGE:
            return self.page_ladder
        return self.ticket_ladder

    def schedules(self) -> frozenset[str]:
        return frozenset(
            t.name for level in self.levels for t in level.targets if t.kind is TargetKind.SCHEDULE
        )

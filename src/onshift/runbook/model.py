"""Runbook domain types: what a runbook says, after its file has been parsed and checked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from onshift.runbook.changes import JsonValue

__all__ = [
    "Approval",
    "Match",
    "Precondition",
    "Runbook",
    "SteadyState",
    "Step",
    "Verify",
    "suggest",
]


class Approval(StrEnum):
    NONE = "none"
    REQUIRED = "required"


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """Which alerts, SLOs and symptoms a runbook applies to."""

    alerts: tuple[str, ...] = ()
    slos: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()

    def score(self, *, alert: str | None, slo: str | None, symptoms: Iterable[str]) -> int:
        """How many of the given facts this runbook names (0: it does not apply)."""
        hits = int(alert is not None and alert in self.alerts)
        hits += int(slo is not None and slo in self.slos)
        return hits + len(set(symptoms) & set(self.symptoms))


@dataclass(frozen=True, slots=True, kw_only=True)
class SteadyState:
    """Healthy means: burn rate over ``window`` below ``burn_rate_below``."""

    burn_rate_below: float
    window: timedelta

    def __post_init__(self) -> None:
        if self.burn_rate_below <= 0:
            msg = "burn_rate_below must be positive"
            raise ValueError(msg)
        if self.window <= timedelta(0):
            msg = "the window must be positive"
            raise ValueError(msg)

    def met(self, burn_rate: float | None) -> bool | None:
        return None if burn_rate is None else burn_rate < self.burn_rate_below


@dataclass(frozen=True, slots=True, kw_only=True)
class Verify:
    """A step helped when the burn rate over ``window`` drops below ``burn_rate_below`` within
    ``within``, read every ``every``; it made things worse when a reading exceeds the baseline
    (the reading before the step) times ``worse_factor``."""

    burn_rate_below: float
    window: timedelta
    within: timedelta
    every: timedelta
    worse_factor: float

    def __post_init__(self) -> None:
        if self.burn_rate_below <= 0 or self.worse_factor < 1:
            msg = "burn_rate_below must be positive and worse_factor at least 1"
            raise ValueError(msg)
        if min(self.window, self.within, self.every) <= timedelta(0) or self.every > self.within:
            msg = "window, within and every must be positive, every no longer than within"
            raise ValueError(msg)

    @property
    def steady_state(self) -> SteadyState:
        return SteadyState(burn_rate_below=self.burn_rate_below, window=self.window)


@dataclass(frozen=True, slots=True, kw_only=True)
class Precondition:
    """Run the step only if the target holds these values and the burn rate is high enough."""

    flags: Mapping[str, JsonValue] = field(default_factory=dict)
    burn_rate_above: float | None = None
    window: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.burn_rate_above is None) != (self.window is None):
            msg = "burn_rate_above and window go together"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    id: str
    description: str
    action: str
    args: Mapping[str, JsonValue]
    verify: Verify
    precondition: Precondition | None = None
    blast_radius: tuple[float, ...] = ()
    approval: Approval = Approval.NONE
    irreversible: bool = False

    def __post_init__(self) -> None:
        if self.irreversible and self.approval is not Approval.REQUIRED:
            msg = f"step {self.id!r} is irreversible and so needs approval: required"
            raise ValueError(msg)
        if any(not 0 < r <= 100 for r in self.blast_radius) or list(self.blast_radius) != sorted(
            set(self.blast_radius)
        ):
            msg = f"step {self.id!r}: blast_radius stages must increase within (0, 100]"
            raise ValueError(msg)

    def stage_args(
        self, radius_param: str | None
    ) -> list[tuple[float | None, dict[str, JsonValue]]]:
        """Arguments for each stage of the step (one stage without a blast radius)."""
        if not self.blast_radius or radius_param is None:
            return [(None, dict(self.args))]
        return [(r, {**self.args, radius_param: r}) for r in self.blast_radius]


@dataclass(frozen=True, slots=True, kw_only=True)
class Runbook:
    name: str
    title: str
    description: str
    service: str
    match: Match
    steady_state: SteadyState
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        ids = [s.id for s in self.steps]
        if not ids or len(set(ids)) != len(ids):
            msg = "a runbook needs at least one step and unique step ids"
            raise ValueError(msg)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        msg = f"runbook {self.name!r} has no step {step_id!r}"
        raise KeyError(msg)


def suggest(
    runbooks: Iterable[Runbook],
    *,
    alert: str | None = None,
    slo: str | None = None,
    symptoms: Iterable[str] = (),
) -> list[Runbook]:
    """Runbooks that apply, best match first (ties by name, so the order is stable)."""
    wanted = tuple(symptoms)
    scored = [(rb.match.score(alert=alert, slo=slo, symptoms=wanted), rb) for rb in runbooks]
    return [rb for score, rb in sorted(scored, key=lambda p: (-p[0], p[1].name)) if score > 0]

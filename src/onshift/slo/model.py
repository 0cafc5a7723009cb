"""The SLO domain: objectives, indicators, alert windows and policies.

Objectives and budgets are kept as exact fractions (99.9 % → 999/1000) and converted to floats
only where series maths needs them, so rendered thresholds carry no ``0.0009999999999999432``
artefacts. Burn-rate factors are derived, never configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from fractions import Fraction

from onshift.units import format_duration

__all__ = [
    "MIN_PERIOD",
    "SLO",
    "AlertPolicy",
    "AlertWindow",
    "Condition",
    "EventPredicate",
    "Indicator",
    "Op",
    "PrometheusBinding",
    "Severity",
    "SourceRef",
    "period_problem",
    "window_problems",
]

MIN_PERIOD = timedelta(days=1)
"""The shortest SLO window: an error budget is spent over days, not minutes."""


class Severity(StrEnum):
    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertWindow:
    """One tier: fire while both windows burn faster than the factor derived from the budget."""

    severity: Severity
    budget_percent: Fraction
    long: timedelta
    short: timedelta

    def __post_init__(self) -> None:
        if not 0 < self.budget_percent <= 100:
            msg = f"budget_percent must be in (0, 100], got {float(self.budget_percent)}"
            raise ValueError(msg)
        if not timedelta(0) < self.short < self.long:
            msg = "the short window must be shorter than the long window"
            raise ValueError(msg)
        if self.short % timedelta(seconds=1) or self.long % timedelta(seconds=1):
            msg = "alert windows must be whole numbers of seconds"
            raise ValueError(msg)

    def factor(self, period: timedelta) -> Fraction:
        """budget% × period / long window: 2 % of 30 d in 1 h → 14.4."""
        return (
            self.budget_percent
            / 100
            * Fraction(period / timedelta(seconds=1))
            / Fraction(self.long / timedelta(seconds=1))
        )

    @property
    def label(self) -> str:
        return f"{self.severity}:{format_duration(self.long)}/{format_duration(self.short)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertPolicy:
    windows: tuple[AlertWindow, ...]
    name: str
    catalogue: str | None = None
    page_enabled: bool = True
    ticket_enabled: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    # Per-severity additions on top of ``labels``/``annotations`` (Sloth's page_alert and
    # ticket_alert blocks); a tier's own label wins, as in Sloth.
    tier_labels: Mapping[Severity, Mapping[str, str]] = field(default_factory=dict)
    tier_annotations: Mapping[Severity, Mapping[str, str]] = field(default_factory=dict)
    written: Mapping[str, SourceRef] = field(default_factory=dict, compare=False)
    """Where each label and annotation was written, by ``label:NAME`` / ``annotation:NAME``
    (``page:label:NAME`` … for a tier's own): what a check of the generated rules reports
    against."""

    def where(self, kind: str, name: str) -> list[SourceRef]:
        """Where the ``kind`` (label or annotation) ``name`` of the alerts was written: the
        tier's own value for each tier that has an alert, else the shared one."""
        found: dict[SourceRef, None] = {}
        for severity in dict.fromkeys(w.severity for w in self.active_windows):
            ref = self.written.get(f"{severity}:{kind}:{name}") or self.written.get(
                f"{kind}:{name}"
            )
            if ref is not None:
                found[ref] = None
        return list(found)

    def enabled(self, severity: Severity) -> bool:
        return self.page_enabled if severity is Severity.PAGE else self.ticket_enabled

    @property
    def active_windows(self) -> tuple[AlertWindow, ...]:
        return tuple(w for w in self.windows if self.enabled(w.severity))


class Op(StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"


Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """``{field, op, value}``: one reason a request-log event is bad."""

    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...]

    def __post_init__(self) -> None:
        if self.op is Op.IN and not isinstance(self.value, tuple):
            msg = "op 'in' takes a list of values"
            raise ValueError(msg)
        if self.op is Op.IN and not self.value:
            msg = "op 'in' needs at least one value (an empty list matches nothing)"
            raise ValueError(msg)
        if self.op is not Op.IN and isinstance(self.value, tuple):
            # Only the first value used to be compared: a 503 was not counted as bad.
            msg = (
                f"op {self.op.value!r} compares with one value, not a list; "
                "to match any of the values use op: in"
            )
            raise ValueError(msg)
        if self.op in (Op.LT, Op.LE, Op.GT, Op.GE) and (
            isinstance(self.value, bool) or not isinstance(self.value, int | float)
        ):
            msg = f"op {self.op.value!r} compares numbers; the value must be a number"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventPredicate:
    """An event is bad if any condition holds; events weigh 1 unless ``weight`` names a field."""

    bad_if: tuple[Condition, ...]
    weight: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        names = [c.field for c in self.bad_if]
        if self.weight:
            names.append(self.weight)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRef:
    """Where a value was written, for problems found after parsing (a PromQL check)."""

    file: str
    line: int | None = None
    path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PrometheusBinding:
    """PromQL templates for bad and total events per second; ``{{window}}`` is substituted."""

    errors: str
    total: str
    written: tuple[tuple[str, SourceRef], ...] = field(default=(), compare=False)
    """The templates as the file wrote them, with where (``errors`` may be built from them,
    as OpenSLO's ``total - good``): what a PromQL check reports against."""

    def render(self, window: timedelta) -> tuple[str, str]:
        text = format_duration(window)
        return self.errors.replace("{{window}}", text), self.total.replace("{{window}}", text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Indicator:
    prometheus: PrometheusBinding | None = None
    events: EventPredicate | None = None

    def __post_init__(self) -> None:
        if self.prometheus is None and self.events is None:
            msg = "an indicator needs at least one binding (prometheus or events)"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class SLO:
    name: str
    service: str
    objective: Fraction
    period: timedelta
    indicator: Indicator
    alerting: AlertPolicy
    labels: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.objective < 1:
            msg = f"the objective must be strictly between 0 and 1, got {float(self.objective)}"
            raise ValueError(msg)
        # Parsers report these with the field they come from; this keeps the invariant.
        problem = period_problem(self.period) or next(
            (m for _, m in window_problems(self.period, self.alerting.windows)), None
        )
        if problem is not None:
            raise ValueError(problem)

    @property
    def sloth_id(self) -> str:
        """``service-name``: the ``sloth_id`` label of its series, and in its rule group names."""
        return f"{self.service}-{self.name}"

    @property
    def budget(self) -> Fraction:
        """Allowed share of bad events: 1 − objective."""
        return 1 - self.objective

    @property
    def objective_percent(self) -> float:
        return float(self.objective * 100)

    def threshold(self, window: AlertWindow) -> float:
        """The error ratio a tier's windows must exceed: factor × budget (exact, then float)."""
        return float(window.factor(self.period) * self.budget)


def period_problem(period: timedelta, written: str | None = None) -> str | None:
    """What is wrong with an SLO window (``written`` as the file spelt it), if anything."""
    shown = written or _show(period)
    if period < MIN_PERIOD:
        return (
            f"an SLO window must be at least {format_duration(MIN_PERIOD)} (the period an error "
            f"budget is spent over), got {shown}"
        )
    if period % timedelta(seconds=1):
        return f"an SLO window must be a whole number of seconds, got {shown}"
    return None


def window_problems(
    period: timedelta, windows: tuple[AlertWindow, ...] | list[AlertWindow]
) -> list[tuple[int, str]]:
    """(index, message) for each tier that does not fit an SLO window of ``period``."""
    out: list[tuple[int, str]] = []
    seen: dict[tuple[Severity, timedelta, timedelta], int] = {}
    for i, w in enumerate(windows):
        if w.long > period:
            out.append(
                (
                    i,
                    (
                        f"the long window {format_duration(w.long)} is longer than the SLO window "
                        f"{_show(period)}: its burn rate would count events from outside the "
                        f"period the budget belongs to; use at most {_show(period)}"
                    ),
                )
            )
        key = (w.severity, w.long, w.short)
        if key in seen:
            out.append(
                (
                    i,
                    (
                        f"the same {w.severity} tier {format_duration(w.long)}/"
                        f"{format_duration(w.short)} as windows[{seen[key]}]; keep one"
                    ),
                )
            )
        seen.setdefault(key, i)
    return out


def _show(duration: timedelta) -> str:
    return format_duration(duration) if duration > timedelta(0) else str(duration)

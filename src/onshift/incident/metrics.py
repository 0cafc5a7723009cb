"""Incident metrics read from the timeline, reported as medians and p90s.

Incident durations are heavy-tailed, so a mean says little (Davidovič, "Incident Metrics in
SRE", 2021); across incidents we report the median and the 90th percentile with the count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from onshift.incident.reducer import IncidentState

__all__ = [
    "IncidentTimes",
    "MetricSummary",
    "PhaseSummary",
    "incident_times",
    "percentile",
    "summarize",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentTimes:
    """Per-phase durations of one incident; ``None`` where the phase has not happened (yet).

    Detect runs from the fault's start (when known) to the incident's opening; acknowledge,
    mitigate and resolve run from the opening.
    """

    detect: timedelta | None
    acknowledge: timedelta | None
    mitigate: timedelta | None
    resolve: timedelta | None


def incident_times(state: IncidentState) -> IncidentTimes:
    opened = state.opened_at
    return IncidentTimes(
        detect=None if state.fault_started_at is None else opened - state.fault_started_at,
        acknowledge=None
        if state.first_acknowledged_at is None
        else state.first_acknowledged_at - opened,
        mitigate=None if state.mitigated_at is None else state.mitigated_at - opened,
        resolve=None if state.resolved_at is None else state.resolved_at - opened,
    )


def percentile(values: Sequence[timedelta], q: float) -> timedelta:
    """Linear-interpolated ``q``-quantile (0 ≤ q ≤ 1) of a non-empty list, exact to the µs."""
    if not values:
        msg = "percentile of no values"
        raise ValueError(msg)
    if not 0 <= q <= 1:
        msg = f"q must be within [0, 1], got {q}"
        raise ValueError(msg)
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseSummary:
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricSummary:
    incidents: int
    detect: PhaseSummary
    acknowledge: PhaseSummary
    mitigate: PhaseSummary
    resolve: PhaseSummary


def _phase(values: list[timedelta]) -> PhaseSummary:
    if not values:
        return PhaseSummary(count=0, median=None, p90=None)
    return PhaseSummary(
        count=len(values), median=percentile(values, 0.5), p90=percentile(values, 0.9)
    )


def summarize(states: Iterable[IncidentState]) -> MetricSummary:
    times = [incident_times(s) for s in states]
    return MetricSummary(
        incidents=len(times),
        detect=_phase([t.detect for t in times if t.detect is not None]),
        acknowledge=_phase([t.acknowledge for t in times if t.acknowledge is not None]),
        mitigate=_phase([t.mitigate for t in times if t.mitigate is not None]),
        resolve=_phase([t.resolve for t in times if t.resolve is not None]),
    )

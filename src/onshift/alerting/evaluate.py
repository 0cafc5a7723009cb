"""Evaluate an SLO's alert policy over a count series, at every row at once.

A tier fires while the burn rate of BOTH its long and its short window is strictly above the
tier's factor, i.e. while both error ratios exceed ``factor × (1 − objective)``. The comparison
is made on the error ratio against that one threshold, as the generated Prometheus rules do,
so onshift and Prometheus decide on the same floating-point numbers. Windows without traffic
hold NaN, which compares false: no data never fires.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from onshift.slo.model import SLO, AlertWindow, Severity
from onshift.slo.series import CountSeries, Cumulative

__all__ = ["PolicyEvaluation", "TierEvaluation", "evaluate_policy", "policy_windows"]

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TierEvaluation:
    window: AlertWindow
    factor: float
    threshold: float
    firing: Bool


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PolicyEvaluation:
    """Per-row firing of every tier; error ratios on demand from the cumulative sums."""

    slo: SLO
    series: CountSeries
    tiers: tuple[TierEvaluation, ...]
    windows: tuple[timedelta, ...]
    cumulative: Cumulative

    def ratio_at(self, window: timedelta, index: int) -> float:
        """The error ratio over ``window`` ending at row ``index``; NaN without traffic."""
        bad, total = self.cumulative.sums_at(self.series.rows(window), index)
        return bad / total if total > 0 else math.nan

    def ratios(self, window: timedelta) -> F64:
        """The error ratio over ``window`` at every row; NaN where there was no traffic."""
        n = len(self.series)
        bad, total = np.empty(n), np.empty(n)
        self.cumulative.trailing_into(self.series.rows(window), bad, total)
        return _ratio(bad, total, np.empty(n))

    def firing(self, severity: Severity) -> Bool:
        out = np.zeros(len(self.series), dtype=np.bool_)
        for tier in self.tiers:
            if tier.window.severity is severity:
                out |= tier.firing
        return out

    def notified(self, severity: Severity) -> Bool:
        """What onshift notifies: a firing page suppresses every ticket tier."""
        firing = self.firing(severity)
        if severity is Severity.TICKET:
            return firing & ~self.firing(Severity.PAGE)
        return firing


def _ratio(bad: F64, total: F64, out: F64) -> F64:
    out.fill(np.nan)
    np.divide(bad, total, out=out, where=total > 0)
    return out


def policy_windows(slo: SLO) -> list[timedelta]:
    """Every distinct window the policy reads, shortest first."""
    found = {w.long for w in slo.alerting.windows} | {w.short for w in slo.alerting.windows}
    return sorted(found)


def evaluate_policy(slo: SLO, series: CountSeries) -> PolicyEvaluation:
    """Evaluate the enabled tiers of ``slo`` at every row of ``series``.

    Memory stays flat for millions of rows: one pair of window buffers is reused for every
    window, and only a boolean "above the threshold" array is kept per window and threshold.
    """
    cumulative = series.cumulative()
    tiers = slo.alerting.active_windows
    thresholds = {tier: slo.threshold(tier) for tier in tiers}
    needed: dict[timedelta, set[float]] = {}
    for tier in tiers:
        needed.setdefault(tier.long, set()).add(thresholds[tier])
        needed.setdefault(tier.short, set()).add(thresholds[tier])
    n = len(series)
    bad, total, ratio = np.empty(n), np.empty(n), np.empty(n)
    above: dict[tuple[timedelta, float], Bool] = {}
    for window in sorted(needed):
        cumulative.trailing_into(series.rows(window), bad, total)
        _ratio(bad, total, ratio)
        for threshold in sorted(needed[window]):
            above[(window, threshold)] = ratio > threshold  # NaN (no data) is never above
    evaluated = tuple(
        TierEvaluation(
            window=tier,
            factor=float(tier.factor(slo.period)),
            threshold=thresholds[tier],
            firing=above[(tier.long, thresholds[tier])] & above[(tier.short, thresholds[tier])],
        )
        for tier in tiers
    )
    return PolicyEvaluation(
        slo=slo,
        series=series,
        tiers=evaluated,
        windows=tuple(policy_windows(slo)),
        cumulative=cumulative,
    )

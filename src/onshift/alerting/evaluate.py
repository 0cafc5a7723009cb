"""Evaluate an SLO's alert policy over a count series, at every row at once.

A tier fires while the burn rate of BOTH its long and its short window is strictly above the
tier's factor, i.e. while both error ratios exceed ``factor × (1 − objective)``. The comparison
is made on the error ratio against that one threshold, as the generated Prometheus rules do,
so onshift and Prometheus decide on the same floating-point numbers. Windows without traffic
hold NaN, which compares false: no data never fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from onshift.slo.model import SLO, AlertWindow, Severity
from onshift.slo.series import CountSeries

__all__ = ["PolicyEvaluation", "TierEvaluation", "evaluate_policy", "policy_windows"]

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TierEvaluation:
    window: AlertWindow
    factor: float
    threshold: float
    ratio_long: F64
    ratio_short: F64
    firing: Bool


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PolicyEvaluation:
    """Per-row results for every tier, plus the page-over-ticket suppression."""

    slo: SLO
    series: CountSeries
    tiers: tuple[TierEvaluation, ...]
    ratios: dict[timedelta, F64]

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


def policy_windows(slo: SLO) -> list[timedelta]:
    """Every distinct window the policy reads, shortest first."""
    found = {w.long for w in slo.alerting.windows} | {w.short for w in slo.alerting.windows}
    return sorted(found)


def evaluate_policy(slo: SLO, series: CountSeries) -> PolicyEvaluation:
    """Evaluate the enabled tiers of ``slo`` at every row of ``series``."""
    cumulative = series.cumulative()
    ratios = {w: series.window_sums(w, cumulative).error_ratio() for w in policy_windows(slo)}
    tiers = []
    for window in slo.alerting.active_windows:
        threshold = slo.threshold(window)
        long_r, short_r = ratios[window.long], ratios[window.short]
        firing: Bool = (long_r > threshold) & (short_r > threshold)
        tiers.append(
            TierEvaluation(
                window=window,
                factor=float(window.factor(slo.period)),
                threshold=threshold,
                ratio_long=long_r,
                ratio_short=short_r,
                firing=firing,
            )
        )
    return PolicyEvaluation(slo=slo, series=series, tiers=tuple(tiers), ratios=ratios)

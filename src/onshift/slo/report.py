"""The SLO report at one moment: SLI, error budget, burn rates, time to exhaustion, alerts.

- error ratio = bad / total over a window; burn rate = error ratio / (1 − objective);
- budget consumed over the SLO period = bad / ((1 − objective) × total);
- time to exhaustion = remaining budget share × period / current burn rate, where the current
  burn rate is that of the policy's shortest window (5m by default), as in Sloth's
  ``slo:current_burn_rate:ratio``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from onshift.alerting.evaluate import PolicyEvaluation, evaluate_policy
from onshift.slo.model import SLO, AlertWindow
from onshift.slo.series import CountSeries

__all__ = ["AlertStatus", "Budget", "SLOReport", "build_report", "exhaustion_time"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    allowed_bad: float
    consumed: float | None
    remaining: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertStatus:
    window: AlertWindow
    factor: float
    firing: bool
    notified: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SLOReport:
    slo: SLO
    at: datetime
    good: float
    bad: float
    total: float
    sli: float | None
    budget: Budget
    burn_rates: dict[timedelta, float | None]
    current_window: timedelta
    time_to_exhaustion: timedelta | None
    alerts: tuple[AlertStatus, ...]
    data_span: timedelta
    """How far back the data reaches from ``at``: windows longer than this are partial, their
    rates taken over the data there is (as Prometheus' ``rate()`` over a young series)."""

    @property
    def partial_windows(self) -> tuple[timedelta, ...]:
        return tuple(w for w in self.burn_rates if w > self.data_span)


def exhaustion_time(remaining: float, period: timedelta, burn_rate: float) -> timedelta | None:
    """remaining budget share × period / burn rate; ``None`` when nothing burns."""
    if remaining <= 0:
        return timedelta(0)
    if burn_rate <= 0:
        return None
    return remaining * period / burn_rate


def build_report(
    slo: SLO,
    series: CountSeries,
    index: int,
    evaluation: PolicyEvaluation | None = None,
) -> SLOReport:
    """The report for the window ending at row ``index`` of ``series``."""
    evaluation = evaluation or evaluate_policy(slo, series)
    budget_ratio = float(slo.budget)
    bad, total = evaluation.cumulative.sums_at(series.rows(slo.period), index)
    allowed = budget_ratio * total
    consumed = bad / allowed if allowed > 0 else None
    remaining = 1.0 - consumed if consumed is not None else None

    burn: dict[timedelta, float | None] = {}
    for window in evaluation.windows:
        ratio = evaluation.ratio_at(window, index)
        burn[window] = None if math.isnan(ratio) else ratio / budget_ratio
    period_ratio = bad / total if total > 0 else None
    burn[slo.period] = None if period_ratio is None else period_ratio / budget_ratio

    current_window = min(evaluation.windows) if evaluation.windows else slo.period
    current = burn[current_window]
    tte: timedelta | None = None
    if remaining is not None and (current is not None or remaining <= 0):
        tte = exhaustion_time(remaining, slo.period, current or 0.0)

    alerts = []
    for tier in evaluation.tiers:
        firing = bool(tier.firing[index])
        notified = bool(evaluation.notified(tier.window.severity)[index]) and firing
        alerts.append(
            AlertStatus(window=tier.window, factor=tier.factor, firing=firing, notified=notified)
        )
    return SLOReport(
        slo=slo,
        at=series.time_at(index),
        good=total - bad,
        bad=bad,
        total=total,
        sli=(total - bad) / total if total > 0 else None,
        budget=Budget(allowed_bad=allowed, consumed=consumed, remaining=remaining),
        burn_rates=dict(sorted(burn.items())),
        current_window=current_window,
        time_to_exhaustion=tte,
        alerts=tuple(alerts),
        data_span=(index + 1) * series.step,
    )

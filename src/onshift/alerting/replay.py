"""Replay: the alert transitions a policy makes over a whole series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from onshift.alerting.evaluate import PolicyEvaluation, TierEvaluation
from onshift.slo.model import SLO, AlertWindow, Severity
from onshift.slo.series import CountSeries

__all__ = ["NotificationChange", "Transition", "notifications", "replay", "transitions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    at: datetime
    window: AlertWindow
    firing: bool
    burn_rate_long: float | None
    burn_rate_short: float | None
    suppressed: bool
    """A ticket tier that starts firing while a page fires is not notified."""
    partial: bool = False
    """The long window reaches back before the data begins: its burn rate covers only the data
    there is (as Prometheus' ``rate()`` over a young series does), so a few early errors can
    look like a long burn."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationChange:
    """When what onshift notifies changes: a page starts or stops, a ticket opens or closes.

    A ticket held back by a firing page opens when the page stops, if it is still firing.
    """

    at: datetime
    severity: Severity
    notify: bool


def notifications(evaluation: PolicyEvaluation) -> list[NotificationChange]:
    """The changes of what is notified per severity (page first at equal times)."""
    found: list[tuple[int, int, NotificationChange]] = []
    for order, severity in enumerate((Severity.PAGE, Severity.TICKET)):
        state = evaluation.notified(severity).astype(np.int8)
        for index in np.flatnonzero(np.diff(np.concatenate(([0], state)))):
            i = int(index)
            change = NotificationChange(
                at=evaluation.series.time_at(i), severity=severity, notify=bool(state[i])
            )
            found.append((int(evaluation.series.end[i]), order, change))
    found.sort(key=lambda item: (item[0], item[1]))
    return [c for _, _, c in found]


def _burn(ratio: float, budget: float) -> float | None:
    return None if np.isnan(ratio) else ratio / budget


def _tier_transitions(
    tier: TierEvaluation, evaluation: PolicyEvaluation, budget: float
) -> list[Transition]:
    firing = tier.firing.astype(np.int8)
    change = np.flatnonzero(np.diff(np.concatenate(([0], firing))))
    page = evaluation.firing(Severity.PAGE)
    filled_from = evaluation.series.rows(tier.window.long) - 1  # first row with a full window
    out = []
    for index in change:
        i = int(index)
        now_firing = bool(firing[i])
        out.append(
            Transition(
                at=evaluation.series.time_at(i),
                window=tier.window,
                firing=now_firing,
                burn_rate_long=_burn(evaluation.ratio_at(tier.window.long, i), budget),
                burn_rate_short=_burn(evaluation.ratio_at(tier.window.short, i), budget),
                suppressed=now_firing and tier.window.severity is Severity.TICKET and bool(page[i]),
                partial=i < filled_from,
            )
        )
    return out


def transitions(evaluation: PolicyEvaluation) -> list[Transition]:
    """Every firing/resolved change of every tier, in time order (ties: policy order)."""
    budget = float(evaluation.slo.budget)
    found: list[tuple[int, int, Transition]] = []
    for order, tier in enumerate(evaluation.tiers):
        found.extend(
            (int(t.at.timestamp()), order, t) for t in _tier_transitions(tier, evaluation, budget)
        )
    found.sort(key=lambda item: (item[0], item[1]))
    return [t for _, _, t in found]


def replay(slo: SLO, series: CountSeries) -> list[Transition]:
    from onshift.alerting.evaluate import evaluate_policy

    return transitions(evaluate_policy(slo, series))

"""Reports and explanations as plain JSON-ready data (percentages and units only here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onshift.alerting.replay import NotificationChange, Transition
from onshift.slo.check import SLOExplanation
from onshift.slo.model import SLO
from onshift.slo.report import SLOReport
from onshift.units import format_duration, to_iso

__all__ = [
    "explanation_json",
    "notification_json",
    "replay_json",
    "report_json",
    "transition_json",
]


def report_json(report: SLOReport) -> dict[str, Any]:
    slo = report.slo
    return {
        "name": slo.name,
        "service": slo.service,
        "objective": slo.objective_percent,
        "window": format_duration(slo.period),
        "at": to_iso(report.at),
        "good": report.good,
        "bad": report.bad,
        "total": report.total,
        "sli": report.sli,
        "error_budget": {
            "allowed_bad": report.budget.allowed_bad,
            "consumed": report.budget.consumed,
            "remaining": report.budget.remaining,
        },
        "burn_rate": {format_duration(w): v for w, v in report.burn_rates.items()},
        "current_burn_window": format_duration(report.current_window),
        "time_to_exhaustion_s": None
        if report.time_to_exhaustion is None
        else report.time_to_exhaustion.total_seconds(),
        "alerts": [
            {
                "severity": str(a.window.severity),
                "long": format_duration(a.window.long),
                "short": format_duration(a.window.short),
                "factor": a.factor,
                "firing": a.firing,
                "notified": a.notified,
            }
            for a in report.alerts
        ],
        "data_span": format_duration(report.data_span),
        "partial_windows": [format_duration(w) for w in report.partial_windows],
    }


def transition_json(t: Transition, slo: SLO) -> dict[str, Any]:
    return {
        "at": to_iso(t.at),
        "slo": slo.name,
        "service": slo.service,
        "severity": str(t.window.severity),
        "state": "firing" if t.firing else "resolved",
        "long": format_duration(t.window.long),
        "short": format_duration(t.window.short),
        "burn_rate_long": t.burn_rate_long,
        "burn_rate_short": t.burn_rate_short,
        "suppressed": t.suppressed,
        "partial_window": t.partial,
    }


def notification_json(change: NotificationChange, slo: SLO) -> dict[str, Any]:
    return {
        "at": to_iso(change.at),
        "slo": slo.name,
        "service": slo.service,
        "severity": str(change.severity),
        "state": "notify" if change.notify else "clear",
    }


def replay_json(
    results: Sequence[tuple[SLO, Sequence[Transition], Sequence[NotificationChange]]],
) -> dict[str, Any]:
    """One shape for any number of SLOs: every transition and notification names its SLO, and
    each list is sorted by time, then service and SLO name (an SLO's own order kept within a
    moment). ``slos`` lists every SLO replayed, including those without a transition."""
    transitions = [(t.at, slo, transition_json(t, slo)) for slo, ts, _ in results for t in ts]
    changes = [(n.at, slo, notification_json(n, slo)) for slo, _, ns in results for n in ns]
    # sorted() is stable: equal keys keep the order replay gave them.
    transitions.sort(key=lambda item: (item[0], item[1].service, item[1].name))
    changes.sort(key=lambda item: (item[0], item[1].service, item[1].name))
    return {
        "transitions": [body for _, _, body in transitions],
        "notifications": [body for _, _, body in changes],
        "slos": [{"name": slo.name, "service": slo.service} for slo, _, _ in results],
    }


def explanation_json(exp: SLOExplanation) -> dict[str, Any]:
    slo = exp.slo
    ind = slo.indicator
    return {
        "name": slo.name,
        "service": slo.service,
        "source": slo.source,
        "objective": slo.objective_percent,
        "window": format_duration(slo.period),
        "error_budget_ratio": float(slo.budget),
        "full_outage_budget_s": exp.full_outage_budget.total_seconds(),
        "indicator": {
            "prometheus": None
            if ind.prometheus is None
            else {"errors": ind.prometheus.errors, "total": ind.prometheus.total},
            "events": None
            if ind.events is None
            else {
                "bad_if": [
                    {
                        "field": c.field,
                        "op": str(c.op),
                        "value": list(c.value) if isinstance(c.value, tuple) else c.value,
                    }
                    for c in ind.events.bad_if
                ],
                "weight": ind.events.weight,
            },
        },
        "alerting": {
            "name": slo.alerting.name,
            "catalogue": slo.alerting.catalogue,
            "tiers": [
                {
                    "severity": str(t.window.severity),
                    "long": format_duration(t.window.long),
                    "short": format_duration(t.window.short),
                    "budget_percent": float(t.window.budget_percent),
                    "factor": t.factor,
                    "error_ratio_threshold": t.threshold,
                    "enabled": t.enabled,
                    "can_fire": t.can_fire,
                    "full_outage_detection_s": None
                    if t.full_outage_detection is None
                    else t.full_outage_detection.total_seconds(),
                }
                for t in exp.tiers
            ],
        },
        "warnings": list(exp.warnings),
    }

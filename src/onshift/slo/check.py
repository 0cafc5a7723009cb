"""``slo check``: what an SLO means in plain numbers, and the policies that cannot work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from onshift.slo.catalogue import load_catalogue
from onshift.slo.model import SLO, AlertWindow, Severity
from onshift.units import format_duration

__all__ = ["SLOExplanation", "TierExplanation", "explain"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TierExplanation:
    window: AlertWindow
    factor: float
    threshold: float
    enabled: bool
    can_fire: bool
    full_outage_detection: timedelta | None
    """How long a 100 % error outage takes to fire the tier (the long window must fill)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SLOExplanation:
    slo: SLO
    full_outage_budget: timedelta
    tiers: tuple[TierExplanation, ...]
    warnings: tuple[str, ...]


def _tier(slo: SLO, window: AlertWindow) -> TierExplanation:
    factor = window.factor(slo.period)
    threshold = factor * slo.budget
    can_fire = threshold < 1
    return TierExplanation(
        window=window,
        factor=float(factor),
        threshold=float(threshold),
        enabled=slo.alerting.enabled(window.severity),
        can_fire=can_fire,
        full_outage_detection=window.long * float(threshold) if can_fire else None,
    )


def _where(window: AlertWindow) -> str:
    return f"{window.severity} tier {format_duration(window.long)}/{format_duration(window.short)}"


def _tickets_stricter_than_pages(tiers: tuple[TierExplanation, ...]) -> list[str]:
    """A ticket tier that needs a faster burn than a page tier fires (if at all) when a page
    would, so the slow burns a ticket is for go unnoticed."""
    enabled = [t for t in tiers if t.enabled]
    pages = [t for t in enabled if t.window.severity is Severity.PAGE]
    if not pages:
        return []
    page = min(pages, key=lambda t: t.factor)
    return [
        f"{_where(t.window)} has a higher burn-rate factor ({t.factor:.4g}) than "
        f"{_where(page.window)} ({page.factor:.4g}): it needs a faster burn than a page does, "
        "while a ticket is meant for slower burns; give it a smaller factor (a smaller budget "
        "share or a longer long window)"
        for t in enabled
        if t.window.severity is Severity.TICKET and t.factor > page.factor
    ]


def explain(slo: SLO) -> SLOExplanation:
    tiers = tuple(_tier(slo, w) for w in slo.alerting.windows)
    warnings: list[str] = []
    for t in tiers:
        if not t.enabled:
            continue  # shown as disabled; what it could not do does not matter
        where = _where(t.window)
        if not t.can_fire:
            warnings.append(
                f"{where} can never fire: it needs an error ratio above {t.threshold:.4g} "
                f"(factor {t.factor:.4g} × budget {float(slo.budget):.4g}), more than 100 % "
                "errors; raise the objective, or give this tier a smaller budget share or a "
                "longer long window"
            )
        if t.factor < 1:
            warnings.append(
                f"{where} has a burn-rate factor of {t.factor:.4g} (< 1): it fires while the "
                "budget is still on pace to last the whole window"
            )
    warnings.extend(_tickets_stricter_than_pages(tiers))
    budget = slo.period * float(slo.budget)
    shortest = min((w.short for w in slo.alerting.windows), default=None)
    if shortest is not None and budget < shortest:
        warnings.append(
            f"a full outage spends the whole {format_duration(slo.period)} budget in "
            f"{budget.total_seconds():.0f} s, faster than the shortest alert window "
            f"({format_duration(shortest)}): no alert can fire before the budget is gone"
        )
    if slo.alerting.catalogue:
        cat = load_catalogue(slo.alerting.catalogue)
        if cat.period != slo.period:
            warnings.append(
                f"window catalogue {cat.name} is designed for {format_duration(cat.period)} "
                f"SLOs but this SLO's window is {format_duration(slo.period)}; factors are "
                "computed for the SLO's window"
            )
    if not slo.alerting.active_windows:
        warnings.append("both page and ticket alerts are disabled: this SLO never alerts")
    return SLOExplanation(slo=slo, full_outage_budget=budget, tiers=tiers, warnings=tuple(warnings))

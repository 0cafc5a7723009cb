"""``slo check``'s warnings about policies that cannot work as meant."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

from onshift.slo.check import explain
from onshift.slo.model import AlertWindow, Severity
from tests.slo.helpers import make_slo


def test_a_ticket_tier_stricter_than_a_page_tier_is_warned_about() -> None:
    slo = make_slo()
    stricter = AlertWindow(
        severity=Severity.TICKET,
        budget_percent=Fraction(5, 2),
        long=timedelta(hours=1),
        short=timedelta(minutes=5),
    )
    slo = replace(slo, alerting=replace(slo.alerting, windows=(*slo.alerting.windows, stricter)))
    warnings = explain(slo).warnings
    # Compared with the page tier that fires on the slowest burn (6h/30m, factor 6).
    assert warnings == (
        (
            "ticket tier 1h/5m has a higher burn-rate factor (18) than page tier 6h/30m (6): it "
            "needs a faster burn than a page does, while a ticket is meant for slower burns; give "
            "it a smaller factor (a smaller budget share or a longer long window)"
        ),
    )
    assert explain(make_slo()).warnings == ()
    # Without pages the ticket is the only alert: nothing to compare.
    assert explain(replace(slo, alerting=replace(slo.alerting, page_enabled=False))).warnings == ()


def test_a_disabled_tier_is_not_warned_about() -> None:
    # A 90 % SLO's 1h page can never fire: said even when the page tier was disabled.
    ninety = make_slo(objective="90", period_days=28, catalogue="google-28d")
    assert any("can never fire" in w for w in explain(ninety).warnings)
    quiet = explain(
        make_slo(objective="90", period_days=28, catalogue="google-28d", page_enabled=False)
    )
    assert not any("page tier" in w for w in quiet.warnings)
    assert [t.enabled for t in quiet.tiers] == [False, False, True, True]

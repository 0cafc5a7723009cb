"""The SRE Workbook's own numbers ("Alerting on SLOs", chapter 5)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import numpy as np
import pytest

from onshift.alerting.evaluate import evaluate_policy
from onshift.alerting.replay import replay
from onshift.slo.catalogue import load_catalogue
from onshift.slo.model import Severity
from onshift.slo.report import build_report, exhaustion_time
from onshift.slo.series import CountSeries
from tests.slo.helpers import T0, make_slo, series_from_ratio


@pytest.mark.parametrize(
    ("catalogue", "factors"),
    [
        ("google-30d", [14.4, 6, 3, 1]),
        ("google-28d", [13.44, 5.6, 2.8, 28 / 30]),
        ("google-7d", [13.44, 3.5, 1.4, 0.98]),
    ],
)
def test_burn_rate_factors_are_derived_from_budget_share_period_and_long_window(
    catalogue: str, factors: list[float]
) -> None:
    cat = load_catalogue(catalogue)
    assert [float(w.factor(cat.period)) for w in cat.windows] == pytest.approx(factors, abs=1e-12)


def test_a_30d_page_factor_is_exactly_14_4_with_no_float_artefact() -> None:
    slo = make_slo()
    page = slo.alerting.windows[0]
    assert page.factor(slo.period) == Fraction(72, 5)
    assert slo.threshold(page) == 0.0144


@pytest.mark.parametrize(
    ("burn_rate", "expected"),
    [
        (1, timedelta(days=30)),
        (2, timedelta(days=15)),
        (10, timedelta(days=3)),
        (1000, timedelta(minutes=43, seconds=12)),
    ],
    ids=[
        "burn 1 lasts 30 days",
        "burn 2 lasts 15 days",
        "burn 10 lasts 3 days",
        "burn 1000 lasts 43 minutes",
    ],
)
def test_table_5_4_time_to_exhaustion_of_a_full_budget(
    burn_rate: float, expected: timedelta
) -> None:
    assert exhaustion_time(1.0, timedelta(days=30), burn_rate) == expected


def test_an_idle_service_never_exhausts_and_an_overspent_one_is_exhausted_now() -> None:
    assert exhaustion_time(0.5, timedelta(days=30), 0.0) is None
    assert exhaustion_time(-0.2, timedelta(days=30), 3.0) == timedelta(0)


def _worked_example(step_s: int) -> tuple[list[int], list[bool]]:
    """15 % errors for 10 minutes after two healthy hours (99.9 %, 30 d)."""
    slo = make_slo()
    minutes = 240
    steps_per_min = 60 // step_s
    ratios = [0.0] * (120 * steps_per_min) + [0.15] * (10 * steps_per_min)
    ratios += [0.0] * ((minutes - 130) * steps_per_min)
    series = series_from_ratio(ratios, per_step=1000, step_s=step_s)
    changes = [t for t in replay(slo, series) if t.window.long == timedelta(hours=1)]
    onset = T0 + 120 * 60
    return [int(t.at.timestamp()) - onset for t in changes], [t.firing for t in changes]


def test_worked_example_15_percent_errors_for_10_minutes_pages_after_about_5_minutes() -> None:
    offsets, states = _worked_example(step_s=60)
    assert states == [True, False]
    # The 1h ratio passes 14.4 × 0.1 % once 0.15 × m / 60 > 0.0144, i.e. m > 5.76 minutes.
    assert offsets[0] == 6 * 60


def test_worked_example_at_one_second_resolution_pages_at_5m46s() -> None:
    offsets, _ = _worked_example(step_s=1)
    assert offsets[0] == 346


def test_worked_example_resets_5_minutes_after_the_errors_stop() -> None:
    offsets, _ = _worked_example(step_s=60)
    assert offsets[1] == (10 + 5) * 60


def test_long_windows_are_event_weighted_not_an_average_of_ratios() -> None:
    # One busy minute with 10 % errors, then 59 quiet minutes with none.
    total = np.array([1000.0] + [10.0] * 59)
    bad = np.array([100.0] + [0.0] * 59)
    series = CountSeries.from_arrays(T0 + 60 * np.arange(1, 61), total - bad, total, step_s=60)
    ratio = series.window_sums(timedelta(hours=1)).error_ratio()[-1]
    assert ratio == pytest.approx(100 / 1590)
    assert ratio != pytest.approx(0.1 / 60)


def test_a_window_without_traffic_is_no_data_and_never_fires_nor_poisons_later_values() -> None:
    slo = make_slo()
    ratios = [0.5] * 30
    series = series_from_ratio(ratios + [0.0] * 600 + [0.002] * 400)
    gap = np.zeros(len(series), dtype=bool)
    gap[30 : 30 + 600] = True
    quiet = CountSeries.from_arrays(
        series.end, np.where(gap, 0.0, series.good), np.where(gap, 0.0, series.total), step_s=60
    )
    evaluation = evaluate_policy(slo, quiet)
    five = evaluation.ratios(timedelta(minutes=5))
    assert np.isnan(five[100])  # deep inside the gap: no data
    assert not evaluation.firing(Severity.PAGE)[100]
    report = build_report(slo, quiet, 100, evaluation)
    assert report.burn_rates[timedelta(minutes=5)] is None
    # Once the windows have left the gap behind, values equal those of healthy data.
    same = series_from_ratio([0.0] * 630 + [0.002] * 400)
    assert five[-1] == evaluate_policy(slo, same).ratios(timedelta(minutes=5))[-1]


def test_a_tier_fires_only_while_both_windows_are_strictly_above_the_factor() -> None:
    slo = make_slo()
    threshold = 0.0144
    # Exactly at the threshold in both windows: not above, so it does not fire.
    at = series_from_ratio([threshold] * 120, per_step=10_000)
    evaluation = evaluate_policy(slo, at)
    fast_page = evaluation.tiers[0]
    assert fast_page.window.long == timedelta(hours=1)
    assert (evaluation.ratios(timedelta(hours=1))[60:] == threshold).all()
    assert not fast_page.firing.any()
    above = series_from_ratio([0.0145] * 120, per_step=10_000)
    assert evaluate_policy(slo, above).tiers[0].firing[-1]
    # Above in the long window only (the burst is over): the short window holds it back.
    over = series_from_ratio([0.05] * 60 + [0.0] * 5, per_step=10_000)
    evaluation = evaluate_policy(slo, over)
    assert evaluation.ratio_at(timedelta(hours=1), len(over) - 1) > threshold
    assert not evaluation.tiers[0].firing[-1]


def test_a_firing_page_suppresses_the_ticket_in_what_is_notified_but_both_are_reported() -> None:
    slo = make_slo()
    series = series_from_ratio([0.0] * 600 + [0.2] * 180)
    evaluation = evaluate_policy(slo, series)
    last = len(series) - 1
    assert evaluation.firing(Severity.PAGE)[last]
    assert evaluation.firing(Severity.TICKET)[last]
    assert not evaluation.notified(Severity.TICKET)[last]
    report = build_report(slo, series, last, evaluation)
    tickets = [a for a in report.alerts if a.window.severity is Severity.TICKET and a.firing]
    assert tickets
    assert all(not a.notified for a in tickets)


def test_budget_consumed_is_bad_over_allowed_bad_in_the_period() -> None:
    slo = make_slo()
    series = series_from_ratio([0.0005] * 1440 * 2, per_step=2000)
    report = build_report(slo, series, len(series) - 1)
    assert report.total == 2000 * 2880
    assert report.budget.allowed_bad == pytest.approx(0.001 * report.total)
    assert report.budget.consumed == pytest.approx(0.5)
    assert report.budget.remaining == pytest.approx(0.5)
    assert report.burn_rates[timedelta(days=30)] == pytest.approx(0.5)
    # Remaining half a budget at burn 0.5 lasts a whole period.
    assert report.time_to_exhaustion == timedelta(days=30)

"""Properties of the SLO maths that must hold for any traffic."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from onshift.alerting.evaluate import evaluate_policy
from onshift.alerting.replay import notifications, replay
from onshift.slo.model import Severity
from onshift.slo.report import build_report
from onshift.slo.series import CountSeries
from tests.slo.helpers import T0, make_slo

SLO_ = make_slo()


@st.composite
def traffic(draw: st.DrawFn, max_rows: int = 400) -> CountSeries:
    n = draw(st.integers(min_value=1, max_value=max_rows))
    totals = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    bad_share = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    bad = [round(t * s) for t, s in zip(totals, bad_share, strict=True)]
    good = [t - b for t, b in zip(totals, bad, strict=True)]
    end = T0 + 60 * np.arange(1, n + 1)
    return CountSeries.from_arrays(end, good, totals, step_s=60)


@given(traffic())
def test_burn_rates_are_never_negative_and_no_traffic_is_none(series: CountSeries) -> None:
    report = build_report(SLO_, series, len(series) - 1)
    for window, value in report.burn_rates.items():
        sums = series.window_sums(window)
        if sums.total[-1] == 0:
            assert value is None
        else:
            assert value is not None
            assert value >= 0


@given(traffic(), st.integers(min_value=2, max_value=1000))
def test_scaling_good_and_bad_by_k_changes_no_ratio_and_no_decision(
    series: CountSeries, k: int
) -> None:
    scaled = CountSeries.from_arrays(series.end, series.good * k, series.total * k, step_s=60)
    a, b = evaluate_policy(SLO_, series), evaluate_policy(SLO_, scaled)
    for window in a.windows:
        np.testing.assert_array_equal(a.ratios(window), b.ratios(window))
    for ta, tb in zip(a.tiers, b.tiers, strict=True):
        np.testing.assert_array_equal(ta.firing, tb.firing)


@given(traffic(max_rows=300))
def test_window_ratios_equal_a_naive_sum_over_the_trailing_rows(series: CountSeries) -> None:
    bad, total = series.bad, series.total
    for window in (timedelta(minutes=5), timedelta(hours=1), timedelta(hours=6)):
        k = series.rows(window)
        ratios = series.window_sums(window).error_ratio()
        for i in range(len(series)):
            lo = max(0, i + 1 - k)
            t = total[lo : i + 1].sum()
            if t == 0:
                assert np.isnan(ratios[i])
            else:
                assert ratios[i] == bad[lo : i + 1].sum() / t


@settings(max_examples=50)
@given(traffic())
def test_each_tier_alternates_firing_and_resolved_starting_with_firing(
    series: CountSeries,
) -> None:
    by_tier: dict[str, list[bool]] = {}
    for t in replay(SLO_, series):
        by_tier.setdefault(t.window.label, []).append(t.firing)
    for states in by_tier.values():
        assert states[0] is True
        assert all(a != b for a, b in itertools.pairwise(states))


@settings(max_examples=50)
@given(traffic())
def test_the_report_at_the_last_row_matches_the_replayed_state(series: CountSeries) -> None:
    evaluation = evaluate_policy(SLO_, series)
    report = build_report(SLO_, series, len(series) - 1, evaluation)
    last_state: dict[str, bool] = {}
    for t in replay(SLO_, series):
        last_state[t.window.label] = t.firing
    for alert in report.alerts:
        assert alert.firing == last_state.get(alert.window.label, False)


@settings(max_examples=50)
@given(traffic())
def test_notifications_alternate_and_a_ticket_is_never_notified_during_a_page(
    series: CountSeries,
) -> None:
    evaluation = evaluate_policy(SLO_, series)
    changes = notifications(evaluation)
    for severity in (Severity.PAGE, Severity.TICKET):
        states = [c.notify for c in changes if c.severity is severity]
        assert all(a != b for a, b in itertools.pairwise(states))
        assert not states or states[0] is True
    both = evaluation.notified(Severity.PAGE) & evaluation.notified(Severity.TICKET)
    assert not both.any()
    # A ticket tier firing after the page has stopped is notified.
    page = evaluation.firing(Severity.PAGE)
    ticket = evaluation.firing(Severity.TICKET)
    np.testing.assert_array_equal(evaluation.notified(Severity.TICKET), ticket & ~page)

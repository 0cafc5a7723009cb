"""Replay marks transitions whose long window reaches back before the data begins."""

from __future__ import annotations

from datetime import timedelta

from onshift.alerting.replay import replay
from tests.slo.helpers import make_slo, series_from_ratio


def test_errors_in_the_first_minutes_fire_with_a_partial_long_window() -> None:
    # 2 % errors from the first minute: every tier's ratio is 2 % over the data there is.
    transitions = replay(make_slo(), series_from_ratio([0.02] * 180))
    firing = {(t.window.long, t.window.short): t for t in transitions if t.firing}
    assert set(firing) == {
        (timedelta(hours=1), timedelta(minutes=5)),
        (timedelta(hours=6), timedelta(minutes=30)),
        (timedelta(days=1), timedelta(hours=2)),
        (timedelta(days=3), timedelta(hours=6)),
    }
    # The first minute holds 2 minutes' worth of nothing yet: each long window is partial.
    assert all(t.partial for t in firing.values())


def test_a_transition_once_the_long_window_is_full_is_not_partial() -> None:
    # Two clean hours, then 15 % errors: the 1 h page fires with a full window of data.
    series = series_from_ratio([0.0] * 120 + [0.15] * 10 + [0.0] * 60)
    page = [t for t in replay(make_slo(), series) if t.window.long == timedelta(hours=1)]
    assert [t.firing for t in page] == [True, False]
    assert not any(t.partial for t in page)
    # The 6 h page fires too, but 6 hours of data do not exist yet.
    six = [t for t in replay(make_slo(), series) if t.window.long == timedelta(hours=6)]
    assert [t.firing for t in six] == [True, False]
    assert all(t.partial for t in six)


def test_the_first_row_with_a_full_long_window_is_not_partial() -> None:
    # A full outage starts exactly when the 1 h window first holds 60 one-minute rows
    # (1/60 of the hour at 100 % errors is over 14.4 × 0.1 %: it fires at once).
    series = series_from_ratio([0.0] * 59 + [1.0] * 5)
    page = [t for t in replay(make_slo(), series) if t.window.long == timedelta(hours=1)]
    assert page[0].firing
    assert page[0].at == series.time_at(59)
    assert not page[0].partial
    earlier = series_from_ratio([0.0] * 58 + [1.0] * 5)
    page = [t for t in replay(make_slo(), earlier) if t.window.long == timedelta(hours=1)]
    assert page[0].partial

"""Sample values that are not counts of events: negative rates and rates too large for exact
float64 sums are refused (naming the query and the time); a NaN in one query makes that step
"no data" in both, never "0 bad of N events"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from onshift.errors import SourceError
from onshift.slo.model import SLO
from onshift.slo.series import CountSeries
from onshift.slo.spec import load_slos
from onshift.sources.prometheus import PrometheusSource
from tests.conftest import EXAMPLES

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP = timedelta(minutes=5)
WHEN = "2026-01-01T00:05:00Z (1767225900)"


@pytest.fixture(scope="module")
def slo() -> SLO:
    (item,) = load_slos([EXAMPLES / "agent-availability.yaml"])
    return item


def queries(slo: SLO) -> tuple[str, str]:
    assert slo.indicator.prometheus is not None
    return slo.indicator.prometheus.render(STEP)


def matrix(values: list[Any]) -> dict[str, Any]:
    series = [{"metric": {}, "values": values}] if values else []
    return {"status": "success", "data": {"resultType": "matrix", "result": series}}


def read(slo: SLO, errors: list[str], total: list[str], span: int = 3) -> CountSeries:
    """``errors`` and ``total`` hold the rates of the steps ending at T0 + 300, + 600 …"""
    errors_q, _ = queries(slo)

    def reply(request: httpx.Request) -> httpx.Response:
        rates = errors if request.url.params["query"] == errors_q else total
        samples = [[T0 + 300 * (i + 1), rate] for i, rate in enumerate(rates)]
        return httpx.Response(200, json=matrix(samples))

    with httpx.Client(transport=httpx.MockTransport(reply)) as client:
        source = PrometheusSource("http://prom.test", client)
        end = datetime.fromtimestamp(T0 + 300 * span, UTC)
        return source.counts(slo, end=end, span=STEP * span, step=STEP)


@pytest.mark.parametrize("rate", ["-5", "-1e-3"])
def test_a_negative_errors_rate_is_refused(slo: SLO, rate: str) -> None:
    errors_q, _ = queries(slo)
    with pytest.raises(SourceError) as info:
        read(slo, [rate], ["1"])
    assert str(info.value) == (
        f"Prometheus at http://prom.test, query {errors_q!r} returned {float(rate):g} at {WHEN}; "
        "an SLO query must return a rate ≥ 0 (a count of events per second)"
    )


def test_a_negative_total_rate_is_refused(slo: SLO) -> None:
    _, total_q = queries(slo)
    with pytest.raises(SourceError, match=r"returned -1 at 2026-01-01T00:05:00Z") as info:
        read(slo, ["0"], ["-1"])
    assert repr(total_q) in str(info.value)


def test_an_errors_rate_a_rounding_below_zero_reads_as_none(slo: SLO) -> None:
    # sum(rate(total)) - sum(rate(good)) where both are equal but summed in another order.
    series = read(slo, ["-1.1102230246251565e-16"], ["1"])
    assert series.total.tolist() == [300.0, 0.0, 0.0]
    assert series.good.tolist() == [300.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("errors", "total"),
    [
        pytest.param(["NaN", "0.1"], ["1", "1"], id="errors NaN"),
        pytest.param(["0.5", "0.1"], ["NaN", "1"], id="total NaN"),
        pytest.param(["NaN", "0.1"], ["NaN", "1"], id="both NaN"),
    ],
)
def test_a_nan_step_is_no_data_in_both_queries(
    slo: SLO, errors: list[str], total: list[str]
) -> None:
    series = read(slo, errors, total)
    assert series.total.tolist() == [0.0, 300.0, 0.0]
    assert (series.total - series.good).tolist() == [0.0, 30.0, 0.0]


@pytest.mark.parametrize(
    ("errors", "total", "which"),
    [
        pytest.param(["0"], ["1e308"], 1, id="a total near the largest float"),
        pytest.param(["1e308"], ["1e308"], 1, id="both"),
        pytest.param(["1e308"], ["1"], 0, id="errors beyond a small total"),
        pytest.param(["0"], [str(2**53 / 300 * 1.01)], 1, id="just past 2**53 events a step"),
    ],
)
def test_a_rate_beyond_exact_float64_sums_is_refused(
    slo: SLO, errors: list[str], total: list[str], which: int
) -> None:
    query = queries(slo)[which]
    with pytest.raises(SourceError) as info:
        read(slo, errors, total)
    message = str(info.value)
    assert f"query {query!r} returned " in message
    assert f"at {WHEN}: " in message
    assert "events in a 300 s step, more than 2**53" in message


def test_rates_whose_counts_add_up_past_2_to_the_53_are_refused(slo: SLO) -> None:
    _, total_q = queries(slo)
    big = str(2**52 / 300)
    with pytest.raises(SourceError) as info:
        read(slo, ["0", "0", "0"], [big, big, "1"])
    assert str(info.value).startswith(
        f"Prometheus at http://prom.test, query {total_q!r}: the counts add up to more than "
        "2**53 (9,007,199,254,740,992) by 2026-01-01T00:15:00Z (1767226500)"
    )

"""Counts from the Prometheus HTTP API: ``query_range`` of an SLO's errors and total templates.

Each template is rendered with ``{{window}}`` = the step, so the value at ``t`` is the per-second
rate over ``(t − step, t]``; times the step, that is the count of the interval ending at ``t``,
exactly the counts-CSV convention. Long ranges are split to stay under Prometheus' 11 000
points per query.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import numpy.typing as npt

from onshift.errors import SourceError
from onshift.redact import redact_url, scrub
from onshift.slo.model import SLO
from onshift.slo.series import CountSeries
from onshift.sources._limits import MAX_COUNT, SHOWN_MAX, total_over_max
from onshift.units import to_iso

__all__ = ["PrometheusSource"]

_MAX_POINTS = 10_000
F64 = npt.NDArray[np.float64]
_ROUNDING = 1e-9  # relative to the total rate at the same step


def _kind(value: object) -> str:
    """A JSON value's kind, for messages: never the value, which may be huge."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _number(text: object) -> float | None:
    """A sample value: Prometheus writes numbers as strings ("0.5", "NaN", "+Inf")."""
    if not isinstance(text, str):
        return None
    try:
        return float(text)
    except ValueError:
        return None


class PrometheusSource:
    """Reads count series from a Prometheus-compatible HTTP API through an injected client.

    Every reply is checked against the shape of ``/api/v1/query_range``; anything else is a
    :class:`~onshift.errors.SourceError` naming the query and the URL (credentials masked)."""

    def __init__(self, base_url: str, client: httpx.Client) -> None:
        self._base = base_url.rstrip("/")
        redacted = redact_url(self._base)
        self._shown, self._secrets = redacted.shown, redacted.secrets
        self._client = client

    def _where(self, query: str) -> str:
        return f"Prometheus at {self._shown}, query {query!r}"

    def _malformed(self, query: str, expected: str) -> SourceError:
        return SourceError(f"unexpected reply from {self._where(query)}: expected {expected}")

    def _query_range(self, query: str, start: int, end: int, step: int) -> dict[int, float]:
        try:
            response = self._client.get(
                f"{self._base}/api/v1/query_range",
                params={"query": query, "start": start, "end": end, "step": step},
            )
        except httpx.HTTPError as exc:
            detail = scrub(str(exc), self._secrets)  # it may quote the URL
            msg = f"cannot reach Prometheus at {self._shown}: {detail}"
            raise SourceError(msg) from exc
        try:
            body: object = response.json()
        except ValueError as exc:
            msg = (
                f"{self._where(query)} answered HTTP {response.status_code} without JSON; "
                "expected the JSON of the Prometheus HTTP API"
            )
            raise SourceError(msg) from exc
        if not isinstance(body, dict):
            raise self._malformed(
                query, f"a JSON object with 'status' and 'data', got {_kind(body)}"
            )
        status = body.get("status")
        if status == "error":
            detail = scrub(str(body.get("error")), self._secrets)[:500]
            msg = f"Prometheus at {self._shown} rejected the query {query!r}: {detail}"
            raise SourceError(msg)
        if status != "success":
            shown = repr(status)[:40] if isinstance(status, str) else _kind(status)
            raise self._malformed(query, f"'status' to be 'success' or 'error', got {shown}")
        return self._samples(query, body.get("data"))

    def _samples(self, query: str, data: object) -> dict[int, float]:
        if not isinstance(data, dict):
            raise self._malformed(query, f"'data' to be an object, got {_kind(data)}")
        result_type = data.get("resultType")
        if result_type != "matrix":
            shown = repr(result_type) if isinstance(result_type, str) else _kind(result_type)
            raise self._malformed(
                query, f"'data.resultType' to be 'matrix' (query_range), got {shown}"
            )
        result = data.get("result")
        if not isinstance(result, list):
            raise self._malformed(query, f"'data.result' to be a list, got {_kind(result)}")
        if len(result) > 1:
            msg = (
                f"the query {query!r} to Prometheus at {self._shown} returned "
                f"{len(result)} series; an SLO query must return one series (wrap it in sum(...))"
            )
            raise SourceError(msg)
        if not result:
            return {}
        series = result[0]
        values = series.get("values") if isinstance(series, dict) else None
        if not isinstance(values, list):
            raise self._malformed(query, "'data.result[0].values' to be a list of samples")
        out: dict[int, float] = {}
        for i, sample in enumerate(values):
            time, value = self._sample(query, i, sample)
            out[time] = value
        return out

    def _sample(self, query: str, i: int, sample: object) -> tuple[int, float]:
        where = f"'data.result[0].values[{i}]'"
        if not isinstance(sample, list) or len(sample) != 2:
            raise self._malformed(query, f'{where} to be [time, "value"], got {_kind(sample)}')
        time, text = sample
        if isinstance(time, bool) or not isinstance(time, int | float) or not math.isfinite(time):
            raise self._malformed(query, f"{where} to start with a Unix time, got {_kind(time)}")
        value = _number(text)
        if value is None:
            shown = repr(text[:40]) if isinstance(text, str) else _kind(text)
            raise self._malformed(query, f"{where} to hold a number as a string, got {shown}")
        if math.isinf(value):
            msg = (
                f"{self._where(query)} returned {text} at {int(time)}; an SLO query must "
                "return a finite rate"
            )
            raise SourceError(msg)
        return int(time), value

    def _chunked(self, query: str, start: int, end: int, step: int) -> dict[int, float]:
        out: dict[int, float] = {}
        chunk = step * _MAX_POINTS
        lo = start
        while lo <= end:
            hi = min(lo + chunk - step, end)
            out.update(self._query_range(query, lo, hi, step))
            lo = hi + step
        return out

    def counts(self, slo: SLO, *, end: datetime, span: timedelta, step: timedelta) -> CountSeries:
        """Counts per ``step`` for the ``span`` that ends at ``end`` (aligned down to the step)."""
        if slo.indicator.prometheus is None:
            msg = f"SLO {slo.name} has no prometheus binding (spec.indicator.prometheus)"
            raise SourceError(msg)
        step_s = int(step.total_seconds())
        last = int(end.timestamp()) // step_s * step_s
        first = last - int(span.total_seconds()) + step_s
        errors_q, total_q = slo.indicator.prometheus.render(step)
        errors = self._chunked(errors_q, first, last, step_s)
        total = self._chunked(total_q, first, last, step_s)
        times = np.arange(first, last + step_s, step_s, dtype=np.int64)
        t = np.array([total.get(int(x), 0.0) for x in times], dtype=np.float64)
        e = np.array([errors.get(int(x), 0.0) for x in times], dtype=np.float64)
        # NaN (Prometheus' answer to 0/0, a NaN sample …) says nothing about that step: the
        # step has no data in either query, as if both had no sample. Counting the other
        # query's value alone would report "0 bad of N events" for a step whose errors are
        # unknown, or errors out of an unknown total.
        unknown = np.isnan(t) | np.isnan(e)
        t[unknown] = 0.0
        e[unknown] = 0.0
        # An errors query written as total − good rounds to -1e-17 where both are equal:
        # that much below zero is rounding, not a negative count.
        e[(e < 0) & (-e <= _ROUNDING * t)] = 0.0
        self._check(total_q, times, t, step_s)
        self._check(errors_q, times, e, step_s)
        # Rates are floats: keep bad within [0, total] so a ratio never leaves [0, 1].
        t, e = t * step_s, e * step_s
        t = np.maximum(t, e)
        self._check_sum(total_q, times, t)
        return CountSeries(end=times, good=t - e, total=t, step_s=step_s)

    def _check(self, query: str, times: npt.NDArray[np.int64], rates: F64, step_s: int) -> None:
        """Rates ≥ 0 whose counts per step float64 sums keep exact (``_limits``)."""
        # One comparison each way (rates are not NaN here); the multiplication waits until
        # the rates are known to be small, so 1e308 never overflows.
        bad = np.flatnonzero((rates < 0) | (rates > MAX_COUNT / step_s))
        if not len(bad):
            return
        index = int(bad[0])
        rate = float(rates[index])
        where = f"{self._where(query)} returned {rate:g} at {_when(times[index])}"
        if rate < 0:
            msg = f"{where}; an SLO query must return a rate ≥ 0 (a count of events per second)"
        else:
            msg = (
                f"{where}: {rate * step_s:g} events in a {step_s} s step, more than "
                f"{SHOWN_MAX}; float64 sums lose whole events beyond that"
            )
        raise SourceError(msg)

    def _check_sum(self, query: str, times: npt.NDArray[np.int64], counts: F64) -> None:
        over = total_over_max(counts, query, "events")
        if over is not None:
            assert over.row is not None
            msg = (
                f"{self._where(query)}: the counts add up to more than {SHOWN_MAX} by "
                f"{_when(times[over.row])}; float64 sums lose whole events beyond that: "
                "query a shorter span"
            )
            raise SourceError(msg)


def _when(time: np.int64) -> str:
    return f"{to_iso(datetime.fromtimestamp(int(time), UTC))} ({int(time)})"

"""Counts from the Prometheus HTTP API: ``query_range`` of an SLO's errors and total templates.

Each template is rendered with ``{{window}}`` = the step, so the value at ``t`` is the per-second
rate over ``(t − step, t]``; times the step, that is the count of the interval ending at ``t``,
exactly the counts-CSV convention. Long ranges are split to stay under Prometheus' 11 000
points per query.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import numpy as np

from onshift.errors import SourceError
from onshift.slo.model import SLO
from onshift.slo.series import CountSeries

__all__ = ["PrometheusSource"]

_MAX_POINTS = 10_000


class PrometheusSource:
    """Reads count series from a Prometheus-compatible HTTP API through an injected client."""

    def __init__(self, base_url: str, client: httpx.Client) -> None:
        self._base = base_url.rstrip("/")
        self._client = client

    def _query_range(self, query: str, start: int, end: int, step: int) -> dict[int, float]:
        try:
            response = self._client.get(
                f"{self._base}/api/v1/query_range",
                params={"query": query, "start": start, "end": end, "step": step},
            )
        except httpx.HTTPError as exc:
            msg = f"cannot reach Prometheus at {self._base}: {exc}"
            raise SourceError(msg) from exc
        try:
            body: dict[str, Any] = response.json()
        except ValueError as exc:
            msg = f"Prometheus answered HTTP {response.status_code} without JSON"
            raise SourceError(msg) from exc
        if body.get("status") != "success":
            msg = f"Prometheus rejected the query {query!r}: {body.get('error', body)}"
            raise SourceError(msg)
        result = body.get("data", {}).get("result", [])
        if len(result) > 1:
            msg = (
                f"the query {query!r} returned {len(result)} series; an SLO query must return "
                "one series (wrap it in sum(...))"
            )
            raise SourceError(msg)
        if not result:
            return {}
        return {int(float(t)): float(v) for t, v in result[0].get("values", [])}

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
        t = np.array([total.get(int(x), 0.0) for x in times], dtype=np.float64) * step_s
        e = np.array([errors.get(int(x), 0.0) for x in times], dtype=np.float64) * step_s
        # Rates are floats: keep bad within [0, total] so a ratio never leaves [0, 1].
        e = np.clip(np.nan_to_num(e), 0.0, None)
        t = np.maximum(np.nan_to_num(t), e)
        return CountSeries(end=times, good=t - e, total=t, step_s=step_s)

"""Builders for SLOs and series used across the SLO tests."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import numpy as np

from onshift.slo.catalogue import load_catalogue
from onshift.slo.model import SLO, AlertPolicy, Indicator, PrometheusBinding
from onshift.slo.series import CountSeries

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z

PROMETHEUS_SLO = """\
apiVersion: onshift/v1
kind: SLO
metadata: {name: avail, service: agent}
spec:
  objective: 99.9
  indicator:
    prometheus:
      errors: sum(rate(agent_requests_total{code=~"5.."}[{{window}}]))
      total: sum(rate(agent_requests_total[{{window}}]))
"""
"""A valid onshift/v1 SLO with a prometheus binding; its errors query is on line 8, total on 9."""

BROKEN_PROMQL_SLO = PROMETHEUS_SLO.replace('"5.."}[', '"5.."[').replace(
    "sum(rate(agent_requests_total[{{window}}]))",
    "sum by (x) rate(agent_requests_total[{{window}}])",
)
"""Both queries broken: a bracket inside the braces (line 8), a bad aggregation (line 9)."""


def make_slo(
    objective: str = "99.9",
    period_days: int = 30,
    catalogue: str = "google-30d",
    **policy: bool,
) -> SLO:
    cat = load_catalogue(catalogue)
    return SLO(
        name="api",
        service="agent",
        objective=Fraction(objective) / 100,
        period=timedelta(days=period_days),
        indicator=Indicator(
            prometheus=PrometheusBinding(
                errors='sum(rate(req_total{code=~"5.."}[{{window}}]))',
                total="sum(rate(req_total[{{window}}]))",
            )
        ),
        alerting=AlertPolicy(
            name="ApiBudgetBurn", windows=cat.windows, catalogue=cat.name, **policy
        ),
    )


def series_from_ratio(
    ratios: list[float], *, per_step: int = 1000, step_s: int = 60
) -> CountSeries:
    total = np.full(len(ratios), float(per_step))
    bad = np.round(np.asarray(ratios) * per_step)
    end = T0 + step_s * np.arange(1, len(ratios) + 1)
    return CountSeries.from_arrays(end, total - bad, total, step_s=step_s)

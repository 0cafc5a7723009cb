"""Formats users migrate from: Sloth ``version: prometheus/v1`` and OpenSLO ``openslo/v1`` SLOs.

Sloth: ``sli.events`` maps to the prometheus binding (``{{.window}}`` becomes ``{{window}}``);
``sli.raw`` and ``sli.plugin`` carry no event counts and are refused with a message.
OpenSLO: ``ratioMetric`` good/bad/total with Prometheus sources and ``budgetingMethod:
Occurrences``. A query that already contains ``{{window}}`` is used as written; otherwise the
query is taken to be a counter selector (``counter: true``, the default) and wrapped as
``sum(rate(<query>[{{window}}]))``. Each objective becomes one SLO.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from onshift.errors import Problem, SpecError
from onshift.slo.catalogue import catalogue_for_period
from onshift.slo.model import SLO, AlertPolicy, Indicator, PrometheusBinding, Severity
from onshift.slo.spec_onshift import Labels, source_ref
from onshift.specfile import Document, PathElem, StrictBool, StrictNumber, parse_model
from onshift.units import parse_duration

__all__ = ["parse_openslo", "parse_sloth"]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Sloth prometheus/v1 ---------------------------------------------------------------------


class _SlothEvents(_Strict):
    error_query: str = Field(min_length=1)
    total_query: str = Field(min_length=1)


class _SlothSLI(_Strict):
    events: _SlothEvents | None = None
    raw: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None


class _SlothAlert(_Strict):
    disable: StrictBool = False
    labels: Labels = {}
    annotations: Labels = {}


class _SlothAlerting(_Strict):
    name: str | None = Field(default=None, min_length=1)  # required while an alert is enabled
    labels: Labels = {}
    annotations: Labels = {}
    page_alert: _SlothAlert = _SlothAlert()
    ticket_alert: _SlothAlert = _SlothAlert()


class _SlothSLO(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    objective: StrictNumber = Field(gt=0, lt=100)
    labels: Labels = {}
    sli: _SlothSLI
    alerting: _SlothAlerting
    plugins: dict[str, Any] | None = None


class _SlothDoc(_Strict):
    version: Literal["prometheus/v1"]
    service: str = Field(min_length=1)
    labels: Labels = {}
    slos: list[_SlothSLO] = Field(min_length=1)
    slo_plugins: dict[str, Any] | None = None


_GO_WINDOW = re.compile(r"\{\{-?\s*\.window\s*-?\}\}")


def parse_sloth(doc: Document, *, period: timedelta = timedelta(days=30)) -> list[SLO]:
    model = parse_model(_SlothDoc, doc)
    cat = catalogue_for_period(period)
    problems: list[Problem] = []
    out: list[SLO] = []
    for i, slo in enumerate(model.slos):
        path: list[PathElem] = ["slos", i, "sli"]
        if slo.sli.events is None:
            kind = "raw" if slo.sli.raw is not None else "plugin" if slo.sli.plugin else "none"
            problems.append(
                doc.problem(
                    path,
                    f"the {kind!r} SLI gives no event counts; onshift needs "
                    "sli.events {error_query, total_query}",
                )
            )
            continue
        queries = {}
        for key in ("error_query", "total_query"):
            # Go templates allow {{ .window }} and {{- .window -}} as well as {{.window}}.
            query = _GO_WINDOW.sub("{{window}}", getattr(slo.sli.events, key))
            if "{{window}}" not in query:
                problems.append(
                    doc.problem(
                        [*path, "events", key],
                        "the query must contain {{.window}}, e.g. "
                        "sum(rate(http_requests_total[{{.window}}]))",
                    )
                )
            queries[key] = query
        if any("{{window}}" not in q for q in queries.values()):
            continue
        page, ticket = slo.alerting.page_alert, slo.alerting.ticket_alert
        if slo.alerting.name is None and not (page.disable and ticket.disable):
            problems.append(
                doc.problem(
                    ["slos", i, "alerting"],
                    "alerting.name is required while the page or ticket alert is enabled",
                )
            )
            continue
        out.append(
            SLO(
                name=slo.name,
                service=model.service,
                labels={**model.labels, **slo.labels},
                description=slo.description,
                objective=Fraction(str(slo.objective)) / 100,
                period=period,
                indicator=Indicator(
                    prometheus=PrometheusBinding(
                        errors=queries["error_query"],
                        total=queries["total_query"],
                        written=tuple(
                            (query, source_ref(doc, [*path, "events", key]))
                            for key, query in queries.items()
                        ),
                    )
                ),
                alerting=AlertPolicy(
                    name=slo.alerting.name or slo.name,  # no alert rule carries it then
                    windows=cat.windows,
                    catalogue=cat.name,
                    page_enabled=not page.disable,
                    ticket_enabled=not ticket.disable,
                    labels=dict(slo.alerting.labels),
                    annotations=dict(slo.alerting.annotations),
                    tier_labels={Severity.PAGE: page.labels, Severity.TICKET: ticket.labels},
                    tier_annotations={
                        Severity.PAGE: page.annotations,
                        Severity.TICKET: ticket.annotations,
                    },
                ),
                source=doc.file,
            )
        )
    if problems:
        raise SpecError(problems)
    return out


# --- OpenSLO openslo/v1 ----------------------------------------------------------------------


class _MetricSpec(_Loose):
    query: str = Field(min_length=1)


class _MetricSource(_Loose):
    type: str = "Prometheus"
    spec: _MetricSpec


class _Metric(_Loose):
    metricSource: _MetricSource  # noqa: N815


class _Ratio(_Loose):
    counter: StrictBool = True
    good: _Metric | None = None
    bad: _Metric | None = None
    total: _Metric


class _SLISpec(_Loose):
    ratioMetric: _Ratio | None = None  # noqa: N815
    thresholdMetric: dict[str, Any] | None = None  # noqa: N815


class _SLI(_Loose):
    spec: _SLISpec


class _TimeWindow(_Loose):
    duration: str
    isRolling: StrictBool = True  # noqa: N815


class _Objective(_Loose):
    displayName: str | None = None  # noqa: N815
    # 0 passed and then failed the SLO's own invariant with a traceback.
    target: StrictNumber | None = Field(default=None, gt=0, lt=1)
    targetPercent: StrictNumber | None = Field(default=None, gt=0, lt=100)  # noqa: N815


class _OSpec(_Loose):
    description: str = ""
    service: str = Field(min_length=1)
    indicator: _SLI | None = None
    indicatorRef: str | None = None  # noqa: N815
    timeWindow: list[_TimeWindow] = Field(min_length=1, max_length=1)  # noqa: N815
    budgetingMethod: str = "Occurrences"  # noqa: N815
    objectives: list[_Objective] = Field(min_length=1)


class _OMeta(_Loose):
    name: str = Field(min_length=1)
    labels: dict[str, str | list[str]] = {}


class _ODoc(_Loose):
    apiVersion: Literal["openslo/v1"]  # noqa: N815
    kind: Literal["SLO"]
    metadata: _OMeta
    spec: _OSpec


_QUERY = ("metricSource", "spec", "query")


def _rate(metric: _Metric, counter: bool) -> str:
    query = metric.metricSource.spec.query
    if "{{window}}" in query or not counter:
        return query
    return f"sum(rate({query}[{{{{window}}}}]))"


def _targets(
    doc: Document, objectives: list[_Objective], problems: list[Problem]
) -> list[Fraction]:
    targets: list[Fraction] = []
    for i, obj in enumerate(objectives):
        if obj.target is not None:
            targets.append(Fraction(str(obj.target)))
        elif obj.targetPercent is not None:
            targets.append(Fraction(str(obj.targetPercent)) / 100)
        else:
            problems.append(doc.problem(["spec", "objectives", i], "needs target or targetPercent"))
    return targets


def _prometheus_label(key: str) -> str:
    """OpenSLO keys are Kubernetes-style (``app.kubernetes.io/name``), which Prometheus refuses
    as label names; map them as Prometheus' own Kubernetes discovery does."""
    name = re.sub(r"[^a-zA-Z0-9_]", "_", key)
    return f"_{name}" if name[:1].isdigit() else name


def parse_openslo(doc: Document) -> list[SLO]:
    model = parse_model(_ODoc, doc)
    spec = model.spec
    problems: list[Problem] = []
    if spec.indicator is None or spec.indicator.spec.ratioMetric is None:
        what = "indicatorRef" if spec.indicatorRef else "a thresholdMetric or missing indicator"
        problems.append(
            doc.problem(
                ["spec", "indicator"],
                f"{what} is not supported; use an "
                "inline indicator with spec.ratioMetric {good|bad, total}",
            )
        )
    if spec.budgetingMethod != "Occurrences":
        problems.append(
            doc.problem(
                ["spec", "budgetingMethod"],
                f"only Occurrences is supported, got {spec.budgetingMethod!r}",
            )
        )
    window = spec.timeWindow[0]
    period = timedelta(days=30)
    try:
        period = parse_duration(window.duration)
    except ValueError as exc:
        problems.append(doc.problem(["spec", "timeWindow", 0, "duration"], str(exc)))
    if not window.isRolling:
        problems.append(
            doc.problem(
                ["spec", "timeWindow", 0, "isRolling"],
                "calendar windows are not supported; use isRolling: true",
            )
        )
    ratio = spec.indicator.spec.ratioMetric if spec.indicator else None
    if ratio is not None and ratio.good is None and ratio.bad is None:
        problems.append(
            doc.problem(
                ["spec", "indicator", "spec", "ratioMetric"], "needs good or bad next to total"
            )
        )
    targets = _targets(doc, spec.objectives, problems)
    if problems:
        raise SpecError(problems)
    assert ratio is not None
    total = _rate(ratio.total, ratio.counter)
    ratio_path: list[PathElem] = ["spec", "indicator", "spec", "ratioMetric"]
    written = [(total, source_ref(doc, [*ratio_path, "total", *_QUERY]))]
    if ratio.bad is not None:
        errors = _rate(ratio.bad, ratio.counter)
        written.insert(0, (errors, source_ref(doc, [*ratio_path, "bad", *_QUERY])))
    else:
        assert ratio.good is not None
        good = _rate(ratio.good, ratio.counter)
        errors = f"({total}) - ({good})"
        written.insert(0, (good, source_ref(doc, [*ratio_path, "good", *_QUERY])))
    binding = PrometheusBinding(errors=errors, total=total, written=tuple(written))
    cat = catalogue_for_period(period)
    labels = {
        _prometheus_label(k): v if isinstance(v, str) else ",".join(v)
        for k, v in model.metadata.labels.items()
    }
    out = []
    for i, (obj, target) in enumerate(zip(spec.objectives, targets, strict=True)):
        suffix = "" if len(targets) == 1 else f"-{obj.displayName or i}"
        name = f"{model.metadata.name}{suffix}".lower().replace(" ", "-")
        out.append(
            SLO(
                name=name,
                service=spec.service,
                labels=labels,
                description=spec.description,
                objective=target,
                period=period,
                indicator=Indicator(prometheus=binding),
                alerting=AlertPolicy(
                    name="".join(p.capitalize() for p in name.split("-")) + "BudgetBurn",
                    windows=cat.windows,
                    catalogue=cat.name,
                ),
                source=doc.file,
            )
        )
    return out

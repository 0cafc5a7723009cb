"""OpenSLO ``openslo/v1`` SLOs, a format users migrate from.

What onshift reads: ``ratioMetric`` good/bad/total with Prometheus sources (see
:mod:`onshift.slo.spec_openslo_sli`), ``budgetingMethod: Occurrences`` and one rolling time
window; each objective becomes one SLO. Unknown fields in these parts are reported (a misspelt
``budgetingMethd`` used to pass unnoticed); other kinds in the file (Service, DataSource,
AlertPolicy …) and the ``alertPolicies`` of an SLO are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any, Literal

from pydantic import Field

from onshift.errors import Problem, SpecError
from onshift.slo.catalogue import catalogue_for_period
from onshift.slo.model import SLO, AlertPolicy, Indicator, period_problem
from onshift.slo.spec_openslo_sli import SLI, SLIMeta, Strict, indicator_binding, openslo_slis
from onshift.specfile import Document, PathElem, StrictBool, StrictNumber, parse_model
from onshift.units import format_duration, parse_duration

__all__ = ["openslo_slis", "parse_openslo"]


class _TimeWindow(Strict):
    duration: str
    isRolling: StrictBool = True  # noqa: N815
    calendar: dict[str, Any] | None = None


class _Objective(Strict):
    displayName: str | None = None  # noqa: N815
    # 0 passed and then failed the SLO's own invariant with a traceback.
    target: StrictNumber | None = Field(default=None, gt=0, lt=1)
    targetPercent: StrictNumber | None = Field(default=None, gt=0, lt=100)  # noqa: N815
    # OpenSLO fields for threshold metrics, time slices and composite SLOs, which onshift
    # refuses elsewhere or does not read: known, so not reported as misspellings.
    op: Any = None
    value: Any = None
    timeSliceTarget: Any = None  # noqa: N815
    timeSliceWindow: Any = None  # noqa: N815
    indicator: Any = None
    indicatorRef: Any = None  # noqa: N815
    compositeWeight: Any = None  # noqa: N815


class _OSpec(Strict):
    description: str = ""
    service: str = Field(min_length=1)
    indicator: SLI | None = None
    indicatorRef: str | None = None  # noqa: N815
    timeWindow: list[_TimeWindow] = Field(min_length=1, max_length=1)  # noqa: N815
    budgetingMethod: str = "Occurrences"  # noqa: N815
    objectives: list[_Objective] = Field(min_length=1)
    alertPolicies: list[Any] | None = None  # noqa: N815 - onshift derives its own tiers


class _OMeta(SLIMeta):
    name: str = Field(min_length=1)


class _ODoc(Strict):
    apiVersion: Literal["openslo/v1"]  # noqa: N815
    kind: Literal["SLO"]
    metadata: _OMeta
    spec: _OSpec


def _targets(
    doc: Document, objectives: list[_Objective], problems: list[Problem]
) -> list[Fraction]:
    targets: list[Fraction] = []
    for i, obj in enumerate(objectives):
        if obj.indicator is not None or obj.indicatorRef is not None:
            key = "indicator" if obj.indicator is not None else "indicatorRef"
            problems.append(
                doc.problem(
                    ["spec", "objectives", i, key],
                    "composite SLOs (an indicator per objective) are not supported",
                )
            )
        if obj.target is not None and obj.targetPercent is not None:
            problems.append(
                doc.problem(["spec", "objectives", i], "give target or targetPercent, not both")
            )
        elif obj.target is not None:
            targets.append(Fraction(str(obj.target)))
        elif obj.targetPercent is not None:
            targets.append(Fraction(str(obj.targetPercent)) / 100)
        else:
            problems.append(doc.problem(["spec", "objectives", i], "needs target or targetPercent"))
    return targets


def _period(doc: Document, duration: str, problems: list[Problem]) -> timedelta | None:
    """The SLO window, checked against the alert windows of the catalogue it selects."""
    path: list[PathElem] = ["spec", "timeWindow", 0, "duration"]
    try:
        period = parse_duration(duration)
    except ValueError as exc:
        problems.append(doc.problem(path, str(exc)))
        return None
    wrong = period_problem(period, duration)
    if wrong is None:
        cat = catalogue_for_period(period)
        longest = max(w.long for w in cat.windows)
        if longest > period:
            wrong = (
                f"the SLO window {format_duration(period)} is shorter than the "
                f"{format_duration(longest)} long window of the {cat.name} alert windows "
                f"onshift uses for it; use a window of at least {format_duration(longest)}"
            )
    if wrong is not None:
        problems.append(doc.problem(path, wrong))
        return None
    return period


def _prometheus_label(key: str) -> str:
    """OpenSLO keys are Kubernetes-style (``app.kubernetes.io/name``), which Prometheus refuses
    as label names; map them as Prometheus' own Kubernetes discovery does."""
    name = re.sub(r"[^a-zA-Z0-9_]", "_", key)
    return f"_{name}" if name[:1].isdigit() else name


def parse_openslo(doc: Document, slis: Mapping[str, Sequence[Document]] | None = None) -> list[SLO]:
    """The SLOs of one ``kind: SLO`` document; ``slis`` are the file's SLI documents by name."""
    model = parse_model(_ODoc, doc)
    spec = model.spec
    problems: list[Problem] = []
    binding = indicator_binding(doc, spec.indicator, spec.indicatorRef, slis or {}, problems)
    if spec.budgetingMethod != "Occurrences":
        problems.append(
            doc.problem(
                ["spec", "budgetingMethod"],
                f"only Occurrences is supported, got {spec.budgetingMethod!r}",
            )
        )
    window = spec.timeWindow[0]
    period = _period(doc, window.duration, problems)
    if not window.isRolling or window.calendar is not None:
        problems.append(
            doc.problem(
                ["spec", "timeWindow", 0, "isRolling"],
                "calendar windows are not supported; use isRolling: true",
            )
        )
    targets = _targets(doc, spec.objectives, problems)
    if problems:
        raise SpecError(problems)
    assert binding is not None
    assert period is not None
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

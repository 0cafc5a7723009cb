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
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from onshift.errors import Problem, SpecError
from onshift.slo.catalogue import catalogue_for_period
from onshift.slo.model import SLO, AlertPolicy, Indicator, period_problem
from onshift.slo.spec_openslo_sli import SLIMeta, Strict, indicator_binding, openslo_slis
from onshift.specfile import Document, StrictBool, StrictNumber, parse_model
from onshift.units import format_duration, parse_duration

__all__ = ["openslo_slis", "parse_openslo"]


def _duration(text: str) -> str:
    """An SLO window that holds the alert windows of the catalogue it selects."""
    period = parse_duration(text)
    wrong = period_problem(period, text)
    if wrong is not None:
        raise ValueError(wrong)
    cat = catalogue_for_period(period)
    longest = max(w.long for w in cat.windows)
    if longest > period:
        msg = (
            f"the SLO window {format_duration(period)} is shorter than the "
            f"{format_duration(longest)} long window of the {cat.name} alert windows "
            f"onshift uses for it; use a window of at least {format_duration(longest)}"
        )
        raise ValueError(msg)
    return text


_CALENDAR = "calendar windows are not supported; use isRolling: true"


# What onshift does not support is refused while validating, so that it is reported together
# with every other problem of the document.
class _TimeWindow(Strict):
    duration: Annotated[str, AfterValidator(_duration)]
    isRolling: StrictBool = True  # noqa: N815
    calendar: dict[str, Any] | None = None

    @field_validator("isRolling")
    @classmethod
    def _rolling(cls, value: bool) -> bool:
        if not value:
            raise ValueError(_CALENDAR)
        return value

    @field_validator("calendar")
    @classmethod
    def _no_calendar(cls, value: object, info: ValidationInfo) -> object:
        if value is not None and info.data.get("isRolling") is not None:  # said once
            raise ValueError(_CALENDAR)
        return value


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

    @field_validator("indicator", "indicatorRef")
    @classmethod
    def _not_composite(cls, value: object) -> object:
        if value is not None:
            msg = "composite SLOs (an indicator per objective) are not supported"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _one_target(self) -> _Objective:
        if self.target is not None and self.targetPercent is not None:
            msg = "give target or targetPercent, not both"
            raise ValueError(msg)
        if self.target is None and self.targetPercent is None:
            msg = "needs target or targetPercent"
            raise ValueError(msg)
        return self

    @property
    def ratio(self) -> Fraction:
        if self.target is not None:
            return Fraction(str(self.target))
        return Fraction(str(self.targetPercent)) / 100


class _OSpec(Strict):
    description: str = ""
    service: str = Field(min_length=1)
    indicator: Any = None  # validated on its own (indicator_binding), with the rest
    indicatorRef: str | None = None  # noqa: N815
    timeWindow: list[_TimeWindow] = Field(min_length=1, max_length=1)  # noqa: N815
    budgetingMethod: str = "Occurrences"  # noqa: N815
    objectives: list[_Objective] = Field(min_length=1)
    alertPolicies: list[Any] | None = None  # noqa: N815 - onshift derives its own tiers

    @field_validator("budgetingMethod")
    @classmethod
    def _occurrences(cls, value: str) -> str:
        if value != "Occurrences":
            msg = f"only Occurrences is supported, got {value!r}"
            raise ValueError(msg)
        return value


class _OMeta(SLIMeta):
    name: str = Field(min_length=1)


class _ODoc(Strict):
    apiVersion: Literal["openslo/v1"]  # noqa: N815
    kind: Literal["SLO"]
    metadata: _OMeta
    spec: _OSpec


def _prometheus_label(key: str) -> str:
    """OpenSLO keys are Kubernetes-style (``app.kubernetes.io/name``), which Prometheus refuses
    as label names; map them as Prometheus' own Kubernetes discovery does."""
    name = re.sub(r"[^a-zA-Z0-9_]", "_", key)
    return f"_{name}" if name[:1].isdigit() else name


def parse_openslo(doc: Document, slis: Mapping[str, Sequence[Document]] | None = None) -> list[SLO]:
    """The SLOs of one ``kind: SLO`` document; ``slis`` are the file's SLI documents by name.
    The indicator is read on its own, so that its problems come with those of the rest."""
    problems: list[Problem] = []
    model: _ODoc | None = None
    try:
        model = parse_model(_ODoc, doc)
    except SpecError as exc:
        problems.extend(exc.problems)
    raw = doc.data.get("spec") if isinstance(doc.data, dict) else None
    binding = None
    if isinstance(raw, dict) and isinstance(raw.get("indicatorRef"), str | None):
        binding = indicator_binding(
            doc, raw.get("indicator"), raw.get("indicatorRef"), slis or {}, problems
        )
    if problems or model is None or binding is None:
        raise SpecError(problems)
    spec = model.spec
    period = parse_duration(spec.timeWindow[0].duration)
    cat = catalogue_for_period(period)
    labels = {
        _prometheus_label(k): v if isinstance(v, str) else ",".join(v)
        for k, v in model.metadata.labels.items()
    }
    out = []
    for i, obj in enumerate(spec.objectives):
        suffix = "" if len(spec.objectives) == 1 else f"-{obj.displayName or i}"
        name = f"{model.metadata.name}{suffix}".lower().replace(" ", "-")
        out.append(
            SLO(
                name=name,
                service=spec.service,
                labels=labels,
                description=spec.description,
                objective=obj.ratio,
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

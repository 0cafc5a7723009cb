"""The native SLO format: ``apiVersion: onshift/v1``, ``kind: SLO``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from onshift.errors import Problem, SpecError
from onshift.slo.catalogue import catalogue_for_period, catalogue_names, load_catalogue
from onshift.slo.model import (
    SLO,
    AlertPolicy,
    AlertWindow,
    Condition,
    EventPredicate,
    Indicator,
    Op,
    PrometheusBinding,
    Severity,
    SourceRef,
    period_problem,
    window_problems,
)
from onshift.slo.promql import no_comment
from onshift.specfile import (
    Document,
    PathElem,
    StrictBool,
    StrictNumber,
    format_path,
    parse_model,
)
from onshift.units import format_duration, parse_duration

__all__ = ["Labels", "parse_onshift_slo", "source_ref", "written_refs"]

_Scalar = str | int | float | bool
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _label_name(name: str) -> str:
    # Prometheus refuses the whole rules file over one such name (promtool: invalid label name).
    if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
        msg = (
            f"{name!r} is not a name Prometheus accepts for a label or annotation (letters, "
            "digits and _, not starting with a digit or __)"
        )
        raise ValueError(msg)
    return name


Labels = dict[Annotated[str, AfterValidator(_label_name)], str]
"""Label or annotation names that Prometheus accepts."""


def _duration_text(text: str) -> str:
    parse_duration(text)  # its ValueError says what is expected
    return text


def _has_window(query: str) -> str:
    if "{{window}}" not in query:
        msg = "the query must contain {{window}}, e.g. sum(rate(agent_requests_total[{{window}}]))"
        raise ValueError(msg)
    return query


def _period_text(text: str) -> str:
    wrong = period_problem(parse_duration(text), text)
    if wrong is not None:
        raise ValueError(wrong)
    return text


# Checked while validating, so that they are reported with every other problem of the file
# (after the shape was valid, they used to show up only once the rest had been fixed).
_DurationText = Annotated[str, AfterValidator(_duration_text)]
_PeriodText = Annotated[str, AfterValidator(_period_text)]
_Query = Annotated[
    str, Field(min_length=1), AfterValidator(no_comment), AfterValidator(_has_window)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Meta(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$")
    service: str = Field(min_length=1)
    labels: Labels = {}


class _Prometheus(_Strict):
    errors: _Query
    total: _Query


class _Condition(_Strict):
    field: str = Field(min_length=1)
    op: Op
    value: _Scalar | list[_Scalar]

    @field_validator("value")
    @classmethod
    def _fits_op(cls, value: _Scalar | list[_Scalar], info: ValidationInfo) -> object:
        op = info.data.get("op")
        if op is not None:  # the domain type says which values an op takes
            Condition(field="-", op=op, value=tuple(value) if isinstance(value, list) else value)
        return value


class _Events(_Strict):
    bad_if: list[_Condition] = Field(min_length=1)
    weight: str | None = None


class _Indicator(_Strict):
    prometheus: _Prometheus | None = None
    events: _Events | None = None

    @model_validator(mode="after")
    def _has_binding(self) -> _Indicator:
        if self.prometheus is None and self.events is None:
            msg = "needs a binding: prometheus {errors, total} and/or events {bad_if}"
            raise ValueError(msg)
        return self


class _Window(_Strict):
    severity: Severity
    budget_percent: StrictNumber = Field(gt=0, le=100)
    long: _DurationText
    short: _DurationText

    @model_validator(mode="after")
    def _valid(self) -> _Window:
        self.to_domain()  # short < long, whole seconds: the domain type's own checks
        return self

    def to_domain(self) -> AlertWindow:
        return AlertWindow(
            severity=self.severity,
            budget_percent=Fraction(str(self.budget_percent)),
            long=parse_duration(self.long),
            short=parse_duration(self.short),
        )


class _Toggle(_Strict):
    enabled: StrictBool = True


class _Alerting(_Strict):
    name: str | None = None
    labels: Labels = {}
    annotations: Labels = {}
    windows: str | list[_Window] | None = None
    page: _Toggle = _Toggle()
    ticket: _Toggle = _Toggle()

    @field_validator("windows")
    @classmethod
    def _known_or_listed(cls, value: str | list[_Window] | None) -> str | list[_Window] | None:
        if isinstance(value, str) and value not in catalogue_names():
            msg = (
                f"unknown window catalogue {value!r}; expected one of: "
                f"{', '.join(catalogue_names())}, or a list of "
                "{severity, budget_percent, long, short}"
            )
            raise ValueError(msg)
        if isinstance(value, list) and not value:
            msg = "the list of windows is empty"
            raise ValueError(msg)
        return value


class _Spec(_Strict):
    description: str = ""
    objective: StrictNumber = Field(gt=0, lt=100)
    window: _PeriodText = "30d"
    indicator: _Indicator
    alerting: _Alerting = _Alerting()


class _SLODoc(_Strict):
    apiVersion: Literal["onshift/v1"]  # noqa: N815 - the wire name
    kind: Literal["SLO"]
    metadata: _Meta
    spec: _Spec


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _fit_problems(doc: Document) -> list[Problem]:
    """The alert windows against the SLO window. Read from the document as written, so that
    they are reported with the problems of the rest of it (the windows and the SLO window
    that are valid on their own are compared; the others have their own problems)."""
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    alerting = spec.get("alerting", {}) if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(alerting, dict):
        return []
    text = spec.get("window", "30d")
    try:
        period = parse_duration(text) if isinstance(text, str) else None
    except ValueError:
        return []
    if period is None or period_problem(period) is not None:
        return []
    windows = alerting.get("windows")
    base: list[PathElem] = ["spec", "alerting", "windows"]
    if windows is None or isinstance(windows, str):
        return _catalogue_fit(doc, windows, period)
    if not isinstance(windows, list):
        return []
    valid: list[tuple[int, AlertWindow]] = []
    for i, item in enumerate(windows):
        try:
            valid.append((i, _Window.model_validate(item).to_domain()))
        except (ValidationError, ValueError):
            continue
    found = window_problems(period, [w for _, w in valid])
    return [doc.problem([*base, valid[at][0]], message) for at, message in found]


def _catalogue_fit(doc: Document, name: str | None, period: timedelta) -> list[Problem]:
    if name is not None and name not in catalogue_names():
        return []
    cat = load_catalogue(name) if name is not None else catalogue_for_period(period)
    longest = max(w.long for w in cat.windows)
    if longest <= period:
        return []
    where: list[PathElem] = ["spec", "window"] if name is None else ["spec", "alerting", "windows"]
    chosen = "used for this window by default" if name is None else "named here"
    return [
        doc.problem(
            where,
            f"the SLO window {format_duration(period)} is shorter than the "
            f"{format_duration(longest)} long window of the {cat.name} alert windows "
            f"({chosen}); use an SLO window of at least {format_duration(longest)}, or "
            "list your own spec.alerting.windows with long windows that fit",
        )
    ]


def parse_onshift_slo(doc: Document) -> SLO:
    """Map one ``onshift/v1`` SLO document to the domain, reporting every problem together."""
    problems: list[Problem] = []
    model: _SLODoc | None = None
    try:
        model = parse_model(_SLODoc, doc)
    except SpecError as exc:
        problems.extend(exc.problems)
    problems.extend(_fit_problems(doc))
    if problems or model is None:
        raise SpecError(problems)
    spec = model.spec
    period = parse_duration(spec.window)
    alerting = spec.alerting
    catalogue: str | None = None
    if isinstance(alerting.windows, list):
        windows = tuple(w.to_domain() for w in alerting.windows)
    else:
        cat = (
            load_catalogue(alerting.windows)
            if alerting.windows is not None
            else catalogue_for_period(period)
        )
        windows, catalogue = cat.windows, cat.name
    ind = spec.indicator
    events = None
    if ind.events is not None:
        events = EventPredicate(
            bad_if=tuple(
                Condition(
                    field=c.field,
                    op=c.op,
                    value=tuple(c.value) if isinstance(c.value, list) else c.value,
                )
                for c in ind.events.bad_if
            ),
            weight=ind.events.weight,
        )
    return SLO(
        name=model.metadata.name,
        service=model.metadata.service,
        labels=dict(model.metadata.labels),
        description=spec.description,
        objective=Fraction(str(spec.objective)) / 100,
        period=period,
        indicator=Indicator(
            prometheus=_binding(doc, ind.prometheus) if ind.prometheus else None,
            events=events,
        ),
        alerting=AlertPolicy(
            name=alerting.name or f"{_camel(model.metadata.name)}BudgetBurn",
            windows=windows,
            catalogue=catalogue,
            page_enabled=alerting.page.enabled,
            ticket_enabled=alerting.ticket.enabled,
            labels=dict(alerting.labels),
            annotations=dict(alerting.annotations),
            written=written_refs(
                doc,
                {
                    "label": (["spec", "alerting", "labels"], alerting.labels),
                    "annotation": (["spec", "alerting", "annotations"], alerting.annotations),
                },
            ),
        ),
        source=doc.file,
    )


def _binding(doc: Document, prometheus: _Prometheus) -> PrometheusBinding:
    path = ["spec", "indicator", "prometheus"]
    return PrometheusBinding(
        errors=prometheus.errors,
        total=prometheus.total,
        written=tuple(
            (getattr(prometheus, key), source_ref(doc, [*path, key])) for key in ("errors", "total")
        ),
    )


def written_refs(
    doc: Document, where: Mapping[str, tuple[list[PathElem], Mapping[str, str]]]
) -> dict[str, SourceRef]:
    """``{"KIND:NAME": where it is written}`` for the labels or annotations of each
    ``KIND: (path, values)`` (:attr:`AlertPolicy.written`)."""
    return {
        f"{kind}:{name}": source_ref(doc, [*path, name])
        for kind, (path, values) in where.items()
        for name in values
    }


def source_ref(doc: Document, path: list[PathElem]) -> SourceRef:
    return SourceRef(file=doc.file, line=doc.line_of(path), path=format_path(path))

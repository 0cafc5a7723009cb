"""The native SLO format: ``apiVersion: onshift/v1``, ``kind: SLO``."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from onshift.errors import Problem
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
from onshift.specfile import (
    Document,
    PathElem,
    StrictBool,
    StrictNumber,
    format_path,
    parse_model,
)
from onshift.units import format_duration, parse_duration

__all__ = ["Labels", "parse_onshift_slo"]

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


# Checked while validating, so that they are reported with every other problem of the file
# (after the shape was valid, they used to show up only once the rest had been fixed).
_DurationText = Annotated[str, AfterValidator(_duration_text)]
_Query = Annotated[str, Field(min_length=1), AfterValidator(_has_window)]


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


class _Window(_Strict):
    severity: Severity
    budget_percent: StrictNumber = Field(gt=0, le=100)
    long: _DurationText
    short: _DurationText

    @model_validator(mode="after")
    def _short_below_long(self) -> _Window:
        if parse_duration(self.short) >= parse_duration(self.long):
            msg = "the short window must be shorter than the long window"
            raise ValueError(msg)
        return self


class _Toggle(_Strict):
    enabled: StrictBool = True


class _Alerting(_Strict):
    name: str | None = None
    labels: Labels = {}
    annotations: Labels = {}
    windows: str | list[_Window] | None = None
    page: _Toggle = _Toggle()
    ticket: _Toggle = _Toggle()


class _Spec(_Strict):
    description: str = ""
    objective: StrictNumber = Field(gt=0, lt=100)
    window: _DurationText = "30d"
    indicator: _Indicator
    alerting: _Alerting = _Alerting()


class _SLODoc(_Strict):
    apiVersion: Literal["onshift/v1"]  # noqa: N815 - the wire name
    kind: Literal["SLO"]
    metadata: _Meta
    spec: _Spec


def _duration(
    doc: Document, path: list[PathElem], text: str, problems: list[Problem]
) -> timedelta | None:
    try:
        return parse_duration(text)
    except ValueError as exc:
        problems.append(doc.problem(path, str(exc)))
        return None


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _windows(
    doc: Document, alerting: _Alerting, period: timedelta | None, problems: list[Problem]
) -> tuple[tuple[AlertWindow, ...], str | None]:
    base: list[PathElem] = ["spec", "alerting", "windows"]
    if alerting.windows is None or isinstance(alerting.windows, str):
        return _catalogue_windows(doc, alerting.windows, period, problems)
    out: list[AlertWindow] = []
    indices: list[int] = []
    for i, w in enumerate(alerting.windows):
        long = _duration(doc, [*base, i, "long"], w.long, problems)
        short = _duration(doc, [*base, i, "short"], w.short, problems)
        if long is None or short is None:
            continue
        try:
            window = AlertWindow(
                severity=w.severity,
                budget_percent=Fraction(str(w.budget_percent)),
                long=long,
                short=short,
            )
        except ValueError as exc:
            problems.append(doc.problem([*base, i], str(exc)))
            continue
        out.append(window)
        indices.append(i)
    if not alerting.windows:
        problems.append(doc.problem(base, "the list of windows is empty"))
    if period is not None:
        for at, message in window_problems(period, out):
            problems.append(doc.problem([*base, indices[at]], message))
    return tuple(out), None


def _catalogue_windows(
    doc: Document, name: str | None, period: timedelta | None, problems: list[Problem]
) -> tuple[tuple[AlertWindow, ...], str | None]:
    if name is None:
        cat = catalogue_for_period(period or timedelta(days=30))
    else:
        try:
            cat = load_catalogue(name)
        except KeyError:
            names = ", ".join(catalogue_names())
            problems.append(
                doc.problem(
                    ["spec", "alerting", "windows"],
                    f"unknown window catalogue {name!r}; expected "
                    f"one of: {names}, or a list of {{severity, budget_percent, long, short}}",
                )
            )
            return (), None
    longest = max(w.long for w in cat.windows)
    if period is not None and longest > period:
        # One problem for the catalogue, where the mismatch was written.
        where: list[PathElem] = (
            ["spec", "window"] if name is None else ["spec", "alerting", "windows"]
        )
        chosen = "used for this window by default" if name is None else "named here"
        problems.append(
            doc.problem(
                where,
                f"the SLO window {format_duration(period)} is shorter than the "
                f"{format_duration(longest)} long window of the {cat.name} alert windows "
                f"({chosen}); use an SLO window of at least {format_duration(longest)}, or "
                "list your own spec.alerting.windows with long windows that fit",
            )
        )
    return cat.windows, cat.name


def _conditions(doc: Document, events: _Events, problems: list[Problem]) -> EventPredicate | None:
    conditions = []
    for i, c in enumerate(events.bad_if):
        value: Any = tuple(c.value) if isinstance(c.value, list) else c.value
        try:
            conditions.append(Condition(field=c.field, op=c.op, value=value))
        except ValueError as exc:
            path: list[PathElem] = ["spec", "indicator", "events", "bad_if", i, "value"]
            problems.append(doc.problem(path, str(exc)))
    return EventPredicate(bad_if=tuple(conditions), weight=events.weight)


def parse_onshift_slo(doc: Document) -> SLO:
    """Map one validated ``onshift/v1`` SLO document to the domain, collecting every problem."""
    from onshift.errors import SpecError

    model = parse_model(_SLODoc, doc)
    spec = model.spec
    problems: list[Problem] = []
    period = _duration(doc, ["spec", "window"], spec.window, problems)
    if period is not None and (wrong := period_problem(period, spec.window)) is not None:
        problems.append(doc.problem(["spec", "window"], wrong))
        period = None  # the alert windows are not compared with it
    ind = spec.indicator
    if ind.prometheus is None and ind.events is None:
        problems.append(
            doc.problem(
                ["spec", "indicator"],
                "needs a binding: prometheus {errors, total} and/or events {bad_if}",
            )
        )
    if ind.prometheus is not None:
        for key in ("errors", "total"):
            if "{{window}}" not in getattr(ind.prometheus, key):
                problems.append(
                    doc.problem(
                        ["spec", "indicator", "prometheus", key],
                        "the query must contain {{window}}, e.g. "
                        "sum(rate(agent_requests_total[{{window}}]))",
                    )
                )
    predicate = _conditions(doc, ind.events, problems) if ind.events is not None else None
    windows, catalogue = _windows(doc, spec.alerting, period, problems)
    if problems:
        raise SpecError(problems)
    assert period is not None  # a problem otherwise
    return SLO(
        name=model.metadata.name,
        service=model.metadata.service,
        labels=dict(model.metadata.labels),
        description=spec.description,
        objective=Fraction(str(spec.objective)) / 100,
        period=period,
        indicator=Indicator(
            prometheus=_binding(doc, ind.prometheus) if ind.prometheus else None,
            events=predicate,
        ),
        alerting=AlertPolicy(
            name=spec.alerting.name or f"{_camel(model.metadata.name)}BudgetBurn",
            windows=windows,
            catalogue=catalogue,
            page_enabled=spec.alerting.page.enabled,
            ticket_enabled=spec.alerting.ticket.enabled,
            labels=dict(spec.alerting.labels),
            annotations=dict(spec.alerting.annotations),
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


def source_ref(doc: Document, path: list[PathElem]) -> SourceRef:
    return SourceRef(file=doc.file, line=doc.line_of(path), path=format_path(path))

"""OpenSLO ``openslo/v1`` indicators: an SLO's inline ``indicator`` or a ``kind: SLI`` document
of the same file (``indicatorRef``), mapped to a Prometheus binding.

Queries: one that contains ``{{window}}`` is used as written. Otherwise ``counter: true`` (the
default) needs a counter selector, ``metric{matchers}``, optionally inside ``sum(…)`` as in the
OpenSLO README, and onshift takes its rate over each window: ``sum(rate(<selector>[{{window}}]))``.
Any other query cannot be given a range (Prometheus: "ranges only allowed for vector
selectors") and is refused with a hint rather than rewritten. ``counter: false`` (a gauge) is
refused: without a window every burn-rate window would be the same instant ratio, and averaging
a gauge over a window (``avg_over_time``) weighs samples, not events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from onshift.errors import Problem, SpecError
from onshift.slo.model import PrometheusBinding, SourceRef
from onshift.slo.promql import no_comment
from onshift.slo.spec_onshift import source_ref
from onshift.specfile import Document, PathElem, StrictBool, parse_model

__all__ = ["SLI", "SLIMeta", "Strict", "indicator_binding", "openslo_slis"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _MetricSpec(Strict):
    query: Annotated[str, Field(min_length=1), AfterValidator(no_comment)]


class _MetricSource(Strict):
    metricSourceRef: str | None = None  # noqa: N815
    type: str | None = None
    spec: dict[str, Any] | None = None  # its fields depend on the type: read for Prometheus


class _Metric(Strict):
    metricSource: _MetricSource  # noqa: N815


class _Ratio(Strict):
    counter: StrictBool = True
    good: _Metric | None = None
    bad: _Metric | None = None
    total: _Metric | None = None
    raw: _Metric | None = None
    rawType: str | None = None  # noqa: N815


class _SLISpec(Strict):
    description: str = ""
    ratioMetric: _Ratio | None = None  # noqa: N815
    thresholdMetric: dict[str, Any] | None = None  # noqa: N815


class SLIMeta(Strict):
    name: str | None = None
    displayName: str | None = None  # noqa: N815
    labels: dict[str, str | list[str]] = {}
    annotations: dict[str, str] = {}


class SLI(Strict):
    metadata: SLIMeta | None = None
    spec: _SLISpec


class _SLIDoc(SLI):
    apiVersion: Literal["openslo/v1"]  # noqa: N815
    kind: Literal["SLI"]


def openslo_slis(docs: Sequence[Document]) -> dict[str, list[Document]]:
    """The ``kind: SLI`` documents of one file by name, for ``indicatorRef``."""
    out: dict[str, list[Document]] = {}
    for doc in docs:
        data = doc.data
        if not isinstance(data, dict) or data.get("apiVersion") != "openslo/v1":
            continue
        meta = data.get("metadata")
        if data.get("kind") == "SLI" and isinstance(meta, dict):
            out.setdefault(str(meta.get("name")), []).append(doc)
    return out


# Matchers, with quoted values that may hold any character; an unterminated last quote is left
# for the PromQL check (promtool) to report precisely.
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_MATCHERS = rf"""\{{(?:[^{{}}"'`]|{_QUOTED})*(?:"(?:[^"\\]|\\.)*|'(?:[^'\\]|\\.)*)?\}}"""
_SELECTOR = rf"[a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:{_MATCHERS})?|{_MATCHERS}"
_PLAIN = re.compile(rf"\s*({_SELECTOR})\s*", re.DOTALL)
_SUMMED = re.compile(rf"\s*sum\s*\(\s*({_SELECTOR})\s*\)\s*", re.DOTALL)


def _counter_rate(query: str) -> str | None:
    """``sum(rate(<selector>[{{window}}]))`` for a selector or ``sum(<selector>)``."""
    found = _PLAIN.fullmatch(query) or _SUMMED.fullmatch(query)
    if found is None:
        return None
    return f"sum(rate({found.group(1).strip()}[{{{{window}}}}]))"


class _Where:
    """The document and path an indicator's spec was written at (the SLO, or an SLI)."""

    def __init__(self, doc: Document, path: list[PathElem], problems: list[Problem]) -> None:
        self.doc = doc
        self.path = path
        self.problems = problems

    def problem(self, path: Sequence[PathElem], message: str) -> None:
        self.problems.append(self.doc.problem([*self.path, *path], message))

    def ref(self, path: Sequence[PathElem]) -> SourceRef:
        return source_ref(self.doc, [*self.path, *path])


def _prometheus_query(where: _Where, path: list[PathElem], source: _MetricSource) -> str | None:
    """The query of a Prometheus source, or None after a problem."""
    if source.metricSourceRef is not None:
        where.problem(
            [*path, "metricSourceRef"],
            "metricSourceRef (a DataSource document) is not supported; write the source "
            "inline: metricSource {type: Prometheus, spec: {query: <PromQL>}}",
        )
        return None
    kind = source.type or "Prometheus"
    if kind.lower() != "prometheus":
        # Another backend's query language used to be wrapped as PromQL.
        where.problem(
            [*path, "type"],
            f"metricSource type {kind!r} is not supported: onshift reads Prometheus (PromQL) "
            "sources only",
        )
        return None
    if source.spec is None:
        where.problem(path, "needs spec: {query: <PromQL>}")
        return None
    try:
        spec = parse_model(
            _MetricSpec, where.doc, data=source.spec, prefix=[*where.path, *path, "spec"]
        )
    except SpecError as exc:
        where.problems.extend(exc.problems)
        return None
    return spec.query


def _query(where: _Where, key: str, metric: _Metric, counter: bool) -> str | None:
    """The PromQL template of one metric (None after a problem, or for a gauge)."""
    path: list[PathElem] = ["ratioMetric", key, "metricSource"]
    query = _prometheus_query(where, path, metric.metricSource)
    if query is None:
        return None
    if "{{window}}" in query:
        return query
    if not counter:
        return None  # reported once for the ratio, at counter
    wrapped = _counter_rate(query)
    if wrapped is None:
        where.problem(
            [*path, "spec", "query"],
            "with counter: true the query must be a counter selector such as "
            'http_requests_total{code="200"}, optionally inside sum(...): onshift takes its '
            "rate over each alert window, and Prometheus allows a range only on a selector; "
            "for any other query write the window in it, e.g. "
            'sum(rate(http_requests_total{code="200"}[{{window}}]))',
        )
    return wrapped


def _binding(where: _Where, sli: _SLISpec) -> PrometheusBinding | None:
    ratio = sli.ratioMetric
    if ratio is None:
        what = "a thresholdMetric" if sli.thresholdMetric is not None else "no ratioMetric"
        where.problem([], f"{what} is not supported; onshift needs ratioMetric {{good|bad, total}}")
        return None
    if ratio.raw is not None:
        where.problem(
            ["ratioMetric", "raw"],
            "a raw ratio gives no event counts; onshift needs good or bad next to total",
        )
        return None
    if ratio.good is not None and ratio.bad is not None:
        where.problem(["ratioMetric"], "give good or bad next to total, not both")
    elif ratio.good is None and ratio.bad is None:
        where.problem(["ratioMetric"], "needs good or bad next to total")
    if ratio.total is None:
        where.problem(["ratioMetric"], "needs total next to good or bad")
    metrics = {k: m for k in ("bad", "good", "total") if (m := getattr(ratio, k)) is not None}
    queries = {key: _query(where, key, m, ratio.counter) for key, m in metrics.items()}
    gauges = [k for k, m in metrics.items() if "{{window}}" not in _written(m)]
    if not ratio.counter and gauges:
        where.problem(
            ["ratioMetric", "counter"],
            "counter: false (gauges) is not supported: without a window every alert window "
            "would be the same instant ratio, and an average over time (avg_over_time) weighs "
            "samples, not events; use counters with counter: true, or write the window in "
            "each query, e.g. sum(rate(http_requests_total[{{window}}]))",
        )
    if len(queries) != 2 or any(q is None for q in queries.values()) or ratio.total is None:
        return None
    total = queries["total"]
    assert total is not None
    written = [(total, where.ref(["ratioMetric", "total", "metricSource", "spec", "query"]))]
    key = "bad" if "bad" in queries else "good"
    query = queries[key]
    assert query is not None
    written.insert(0, (query, where.ref(["ratioMetric", key, "metricSource", "spec", "query"])))
    errors = query if key == "bad" else f"({total}) - ({query})"
    return PrometheusBinding(errors=errors, total=total, written=tuple(written))


def _written(metric: _Metric) -> str:
    spec = metric.metricSource.spec or {}
    query = spec.get("query")
    return query if isinstance(query, str) else ""


def indicator_binding(
    doc: Document,
    inline: object,
    ref: str | None,
    slis: Mapping[str, Sequence[Document]],
    problems: list[Problem],
) -> PrometheusBinding | None:
    """The binding of an SLO's ``spec.indicator`` (as written) or ``spec.indicatorRef`` (None
    after a problem, appended to ``problems`` where it was written: the SLO or the SLI)."""
    if inline is not None and ref is not None:
        problems.append(doc.problem(["spec"], "give indicator or indicatorRef, not both"))
        return None
    if inline is not None:
        try:
            sli = parse_model(SLI, doc, data=inline, prefix=["spec", "indicator"])
        except SpecError as exc:
            problems.extend(exc.problems)
            return None
        return _binding(_Where(doc, ["spec", "indicator", "spec"], problems), sli.spec)
    if ref is None:
        problems.append(
            doc.problem(["spec"], "needs an indicator (inline) or an indicatorRef to an SLI")
        )
        return None
    return _referenced(doc, ref, slis, problems)


def _referenced(
    doc: Document, ref: str, slis: Mapping[str, Sequence[Document]], problems: list[Problem]
) -> PrometheusBinding | None:
    found = slis.get(ref, [])
    if len(found) != 1:
        here = ", ".join(sorted(slis)) or "none"
        what = "no" if not found else f"{len(found)} documents of"
        problems.append(
            doc.problem(
                ["spec", "indicatorRef"],
                f"{what} kind: SLI named {ref!r} in this file (SLIs here: {here}); onshift "
                "resolves indicatorRef to exactly one SLI document of the same file",
            )
        )
        return None
    (sli_doc,) = found
    try:
        sli = parse_model(_SLIDoc, sli_doc)
    except SpecError as exc:
        problems.extend(exc.problems)
        return None
    return _binding(_Where(sli_doc, ["spec"], problems), sli.spec)

"""The imperative shell for SLO commands: read spec files and data sources into domain values."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from onshift.errors import InputError, Problem
from onshift.slo.model import SLO
from onshift.slo.series import CountSeries
from onshift.units import parse_duration, parse_timestamp

__all__ = [
    "PROMQL_NOT_CHECKED",
    "DataOptions",
    "check_fits",
    "load_selected_slos",
    "parse_at",
    "promql_problems",
    "series_for",
]

PROMQL_NOT_CHECKED = (
    "promtool is not on PATH (install Prometheus' promtool, or pass --promtool PATH)."
)


class DataOptions:
    def __init__(
        self,
        *,
        counts: Path | None,
        events: Path | None,
        prometheus: str | None,
        step: str | None,
    ) -> None:
        given = [
            n
            for n, v in (("--counts", counts), ("--events", events), ("--prometheus", prometheus))
            if v
        ]
        if len(given) != 1:
            raise InputError.single(
                "give exactly one data source: --counts CSV, --events LOG or --prometheus URL"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if counts and step:
            raise InputError.single(
                "--step applies to --events and --prometheus; a counts CSV has its own step "
                "(the spacing of its rows)",
                path="--step",
            )
        self.counts = counts
        self.events = events
        self.prometheus = _prometheus_url(prometheus) if prometheus else None
        default = "5m" if prometheus else "1m"
        try:
            self.step = parse_duration(step or default)
        except ValueError as exc:
            raise InputError.single(str(exc), path="--step") from None
        if self.step < timedelta(seconds=1) or self.step % timedelta(seconds=1):
            raise InputError.single("the step must be a whole number of seconds", path="--step")
        self._cache: dict[object, CountSeries] = {}


def _prometheus_url(url: str) -> str:
    """A malformed or non-http URL is bad input (exit 2), not a traceback or a failed request."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InputError.single(f"not a URL: {exc}", path="--prometheus") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError.single(
            f"expected an http:// or https:// URL, got {url!r}", path="--prometheus"
        )
    return url


def parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise InputError.single(str(exc), path="--at") from None


def load_selected_slos(files: list[Path], names: list[str] | None) -> list[SLO]:
    from onshift.slo.spec import load_slos

    slos = load_slos(files)
    if not names:
        return slos
    known = {s.name for s in slos}
    missing = [n for n in names if n not in known]
    if missing:
        raise InputError.single(
            f"no SLO named {', '.join(missing)}; the files define: {', '.join(sorted(known))}",
            path="--slo",
        )
    return [s for s in slos if s.name in names]


def promql_problems(slos: list[SLO], promtool: str | None) -> list[Problem] | None:
    """One problem per PromQL query (as written, at its file, line and field) that promtool
    refuses, then per label or annotation template it refuses in the rules onshift generates;
    ``None`` when nothing could be checked because promtool is not installed and
    ``--promtool`` was not given. A ``--promtool`` that is not an executable is bad input."""
    import shutil

    from onshift.slo.promql import Promtool, check_promql

    if not any(s.indicator.prometheus for s in slos):
        return []
    binary = shutil.which(promtool or "promtool")
    if binary is None:
        if promtool is None:
            return None
        message = f"no executable {promtool!r} (give the path of Prometheus' promtool)"
        raise InputError.single(message, path="--promtool")
    checker = Promtool(binary)
    problems = check_promql(slos, checker)
    if problems:
        return problems  # the generated rules would repeat each bad query many times over
    from onshift.alerting.rules_check import check_generated_rules

    return check_generated_rules(slos, checker)


def series_for(slo: SLO, data: DataOptions, *, at: datetime | None, now: datetime) -> CountSeries:
    """The count series an SLO is evaluated on (cached per source and predicate), checked."""
    series = _series(slo, data, at=at, now=now)
    check_fits(slo, series, str(data.counts or data.events or data.prometheus))
    return series


def _series(slo: SLO, data: DataOptions, *, at: datetime | None, now: datetime) -> CountSeries:
    if data.counts is not None:
        key: object = ("counts",)
        if key not in data._cache:
            from onshift.sources.counts import read_counts_csv

            data._cache[key] = read_counts_csv(data.counts)
        return data._cache[key]
    if data.events is not None:
        if slo.indicator.events is None:
            raise InputError(
                [
                    Problem(
                        file=slo.source,
                        path="spec.indicator.events",
                        message=f"SLO {slo.name} has no events binding to read a request log with",
                    )
                ]
            )
        key = ("events", slo.indicator.events)
        if key not in data._cache:
            from onshift.sources.requestlog import read_request_log

            data._cache[key] = read_request_log(data.events, slo.indicator.events, step=data.step)
        return data._cache[key]
    assert data.prometheus is not None
    if slo.indicator.prometheus is None:
        raise InputError(
            [
                Problem(
                    file=slo.source,
                    path="spec.indicator.prometheus",
                    message=f"SLO {slo.name} has no prometheus binding to query",
                )
            ]
        )
    import httpx

    from onshift.sources.prometheus import PrometheusSource

    with httpx.Client(timeout=30.0) as client:
        source = PrometheusSource(data.prometheus, client)
        return source.counts(slo, end=at or now, span=slo.period, step=data.step)


def check_fits(slo: SLO, series: CountSeries, source: str) -> None:
    """Every window the SLO reads must be a whole number of the data's steps."""
    from onshift.alerting.evaluate import policy_windows
    from onshift.units import format_duration

    bad = [w for w in [*policy_windows(slo), slo.period] if w % series.step]
    if bad:
        raise InputError.single(
            f"the data's step ({format_duration(series.step)}) does not divide the window(s) "
            f"{', '.join(format_duration(w) for w in bad)} of SLO {slo.name}; use data with a "
            "step that divides every alert window (1m, 5m …)",
            file=source,
        )
    if len(series) == 0:
        raise InputError.single("the data holds no interval", file=source)

"""``onshift slo report|check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(
    help="SLOs: check spec files, report budgets and burn rates.", no_args_is_help=True
)

FilesArg = Annotated[list[Path], typer.Argument(help="SLO files (onshift/v1, Sloth, OpenSLO).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
SloOpt = Annotated[
    list[str] | None, typer.Option("--slo", help="Only the SLO of this name (repeatable).")
]
CountsOpt = Annotated[
    Path | None, typer.Option("--counts", help="Counts CSV: timestamp,good,total per interval.")
]
EventsOpt = Annotated[
    Path | None, typer.Option("--events", help="Request log (JSONL or CSV), one request a line.")
]
PromOpt = Annotated[
    str | None, typer.Option("--prometheus", help="Prometheus base URL to query_range.")
]
StepOpt = Annotated[
    str | None,
    typer.Option("--step", help="Interval for --events (default 1m) or --prometheus (5m)."),
]
PromtoolOpt = Annotated[
    str | None,
    typer.Option(
        "--promtool",
        help="promtool binary that checks the PromQL queries (default: promtool on PATH).",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="Report at this time (ISO-8601 or Unix s); default: end of data."),
]


@app.command()
def report(
    files: FilesArg,
    counts: CountsOpt = None,
    events: EventsOpt = None,
    prometheus: PromOpt = None,
    step: StepOpt = None,
    at: AtOpt = None,
    slo: SloOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Error budget, burn rates, time to exhaustion and alert tiers of each SLO."""
    from onshift.alerting.evaluate import evaluate_policy
    from onshift.cli.output import print_json
    from onshift.cli.slo_inputs import DataOptions, load_selected_slos, parse_at, series_for
    from onshift.clock import SystemClock
    from onshift.errors import InputError
    from onshift.slo.render import report_json
    from onshift.slo.report import build_report
    from onshift.units import to_iso

    data = DataOptions(counts=counts, events=events, prometheus=prometheus, step=step)
    moment = parse_at(at)
    slos = load_selected_slos(files, slo)
    now = SystemClock().now()
    reports = []
    for item in slos:
        series = series_for(item, data, at=moment, now=now)
        index = len(series) - 1 if moment is None else series.index_at(moment)
        if moment is not None and (index < 0 or moment >= series.time_at(-1) + series.step):
            # Before the first interval there is nothing to report; past the last one the data
            # says nothing, and the last row's numbers would be passed off as "now".
            span = f"from {to_iso(series.time_at(0))} to {to_iso(series.time_at(-1))}"
            message = f"{to_iso(moment)} is outside the data, whose intervals end {span}"
            raise InputError.single(message, path="--at")
        reports.append(build_report(item, series, index, evaluate_policy(item, series)))
    if as_json:
        print_json({"slos": [report_json(r) for r in reports]})
        return
    from onshift.cli.slo_views import render_reports

    render_reports(reports)


@app.command()
def check(
    files: FilesArg,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings.")
    ] = False,
    promtool: PromtoolOpt = None,
) -> None:
    """Validate SLO files and explain what each SLO and alert tier means in numbers.

    PromQL queries are parsed by Prometheus' promtool when it is found (else the output says
    they were not checked)."""
    from onshift.cli.output import print_json, problems_json
    from onshift.cli.slo_inputs import PROMQL_NOT_CHECKED, promql_problems
    from onshift.errors import InputError, SpecError
    from onshift.slo.check import explain
    from onshift.slo.render import explanation_json
    from onshift.slo.spec import load_slos

    try:
        slos = load_slos(files)
        problems = promql_problems(slos, promtool)
        if problems:
            raise SpecError(problems)
    except InputError as exc:
        if as_json:  # the verdict on stdout too; the messages still go to stderr, exit 2
            print_json({"valid": False, "problems": problems_json(exc.problems)})
        raise
    promql_checked = problems is not None
    explanations = [explain(s) for s in slos]
    warnings = sum(len(e.warnings) for e in explanations)
    if as_json:
        print_json(
            {
                "valid": True,
                "warnings": warnings,
                "promql_checked": promql_checked,
                "slos": [explanation_json(e) for e in explanations],
            }
        )
    else:
        from onshift.cli.slo_views import render_explanations

        render_explanations(explanations)
        if not promql_checked:
            from onshift.cli.output import console

            console().print(f"[yellow]PromQL not checked[/yellow]: {PROMQL_NOT_CHECKED}")
    if strict and warnings:
        raise typer.Exit(1)

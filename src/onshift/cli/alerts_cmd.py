"""``onshift alerts replay``."""

from __future__ import annotations

from typing import Annotated

import typer

from onshift.cli.slo_cmd import CountsOpt, EventsOpt, FilesArg, JsonOpt, SloOpt

__all__ = ["app"]

app = typer.Typer(help="Burn-rate alerts: replay a policy over history.", no_args_is_help=True)

# Not slo_cmd's StepOpt: replay reads no --prometheus, so its help must not offer one.
ReplayStepOpt = Annotated[
    str | None, typer.Option("--step", help="Interval to bucket --events into (default 1m).")
]


@app.command()
def replay(
    files: FilesArg,
    counts: CountsOpt = None,
    events: EventsOpt = None,
    step: ReplayStepOpt = None,
    slo: SloOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate the alert policy at every interval: when each tier fires and resolves, and when
    onshift would notify (a firing page holds tickets back until it stops)."""
    from onshift.alerting.evaluate import evaluate_policy
    from onshift.alerting.replay import notifications, transitions
    from onshift.cli.output import print_json
    from onshift.cli.slo_inputs import DataOptions, load_selected_slos, series_for
    from onshift.clock import SystemClock
    from onshift.slo.render import replay_json

    data = DataOptions(counts=counts, events=events, prometheus=None, step=step)
    slos = load_selected_slos(files, slo)
    now = SystemClock().now()
    results = []
    for item in slos:
        evaluation = evaluate_policy(item, series_for(item, data, at=None, now=now))
        results.append((item, transitions(evaluation), notifications(evaluation)))
    if as_json:
        print_json(replay_json(results))
        return
    from onshift.cli.slo_views import render_transitions

    render_transitions(results)

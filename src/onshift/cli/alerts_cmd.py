"""``onshift alerts replay``."""

from __future__ import annotations

import typer

from onshift.cli.slo_cmd import CountsOpt, EventsOpt, FilesArg, JsonOpt, SloOpt, StepOpt

__all__ = ["app"]

app = typer.Typer(help="Burn-rate alerts: replay a policy over history.", no_args_is_help=True)


@app.command()
def replay(
    files: FilesArg,
    counts: CountsOpt = None,
    events: EventsOpt = None,
    step: StepOpt = None,
    slo: SloOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate the alert policy at every interval and print when each tier fires and resolves."""
    from onshift.alerting.replay import replay as run_replay
    from onshift.cli.output import print_json
    from onshift.cli.slo_inputs import DataOptions, load_selected_slos, series_for
    from onshift.clock import SystemClock
    from onshift.slo.render import transition_json

    data = DataOptions(counts=counts, events=events, prometheus=None, step=step)
    slos = load_selected_slos(files, slo)
    now = SystemClock().now()
    results = []
    for item in slos:
        series = series_for(item, data, at=None, now=now)
        results.append((item, run_replay(item, series)))
    if as_json:
        if len(results) == 1:
            print_json({"transitions": [transition_json(t) for t in results[0][1]]})
        else:
            print_json(
                {
                    "slos": [
                        {
                            "name": s.name,
                            "service": s.service,
                            "transitions": [transition_json(t) for t in ts],
                        }
                        for s, ts in results
                    ]
                }
            )
        return
    from onshift.cli.slo_views import render_transitions

    render_transitions(results)

"""``onshift`` — the console script.

Sub-command modules import only Typer at import time; heavy dependencies (numpy, pyarrow,
matplotlib, SQLAlchemy …) are imported inside the commands so that ``onshift --help`` is fast.
"""

from __future__ import annotations

import sys

import typer

from onshift import __version__
from onshift.cli import (
    alerts_cmd,
    escalation_cmd,
    incident_cmd,
    oncall_cmd,
    rules_cmd,
    runbook_cmd,
    slo_cmd,
)
from onshift.errors import InputError, OnshiftError

__all__ = ["app", "main"]

app = typer.Typer(
    name="onshift",
    help="On-call and incident response for AI services: SLOs, burn-rate alerts, incidents, "
    "escalation, runbooks and drills.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
# Sub-command groups (each module's `app` is a typer.Typer), in the order of an incident:
app.add_typer(slo_cmd.app, name="slo")
app.add_typer(alerts_cmd.app, name="alerts")
app.command("rules")(rules_cmd.rules)
app.add_typer(incident_cmd.app, name="incident")
app.add_typer(escalation_cmd.app, name="escalation")
app.add_typer(oncall_cmd.app, name="oncall")
app.add_typer(runbook_cmd.app, name="runbook")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"onshift {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False,  # noqa: FBT003
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """On-call and incident response for AI services."""


def exit_code(exc: OnshiftError) -> int:
    """Bad input is exit code 2 (like a usage error); every other failure is 1."""
    return 2 if isinstance(exc, InputError) else 1


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; turn onshift errors into messages and exit codes."""
    try:
        app(args=argv, prog_name="onshift")
    except OnshiftError as exc:
        if isinstance(exc, InputError):
            for problem in exc.problems:
                sys.stderr.write(f"error: {problem.render()}\n")
        else:
            sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(exit_code(exc)) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None

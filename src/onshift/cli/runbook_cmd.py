"""``onshift runbook``: check, show, plan, run, resume and roll back runbooks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from onshift.cli.runbook_inputs import (
    action_registry,
    load_runbooks,
    lock_journal,
    open_probe,
    open_target,
    problem_json,
    read_target,
    reopen,
    report,
    sigterm_interrupts,
    warn,
)
from onshift.cli.runbook_wiring import progress_sink, start_executor

__all__ = ["app"]

app = typer.Typer(
    help="Runbooks: safe, reversible mitigations that run until the service is healthy again.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print JSON instead of text.")  # noqa: FBT003
TARGET = typer.Option(None, "--target", help="A JSON or YAML flags file the service watches.")
TARGET_URL = typer.Option(None, "--target-url", help="An HTTP flags endpoint (GET/PUT JSON).")
TOKEN_ENV = typer.Option(
    "ONSHIFT_TARGET_TOKEN", "--token-env", help="Environment variable holding the bearer token."
)
PROBE = typer.Option(
    None,
    "--probe",
    help="Burn rates in a Prometheus query-response JSON file (read again for every reading).",
)
PROBE_MAX_AGE = typer.Option("5m", "--probe-max-age", help="Older samples count as no data.")
INCIDENT = typer.Option(
    None, "--incident", help="Also write every journal record onto this incident's timeline."
)
INCIDENT_DB = typer.Option(
    "onshift.db",
    "--db",
    help="The incident store for --incident: SQLite file or postgresql:// URL.",
)
JOURNAL = typer.Option(None, "--journal", help="Where to write the run journal (JSON Lines).")
SUGGEST_PATHS = typer.Argument(..., help="Runbook files or directories of *.yaml.")
SUGGEST_ALERT = typer.Option(None, "--alert", help="The alert that fired.")
SUGGEST_SLO = typer.Option(None, "--slo", help="The SLO that is burning.")
SUGGEST_SYMPTOMS = typer.Option([], "--symptom", help="A symptom (repeatable).")
AUTO = typer.Option(
    False,  # noqa: FBT003
    "--auto",
    help="Apply only steps that need no approval (never prompt).",
)


@app.command()
def check(file: Path, as_json: bool = JSON) -> None:
    """Lint a runbook: missing verify or undo, irreversible steps without approval, unknown
    actions or arguments, arguments that conflict (traffic.shift from a provider to itself).
    Exit code 2 when there are errors; warnings do not fail."""
    from onshift.cli.output import print_json
    from onshift.errors import SpecError
    from onshift.runbook import check_runbook

    lint = check_runbook(file, action_registry())
    if as_json:
        print_json(
            {
                "file": str(file),
                "ok": not lint.errors,
                "errors": [problem_json(p) for p in lint.errors],
                "warnings": [problem_json(p) for p in lint.warnings],
            }
        )
        if lint.errors:
            raise typer.Exit(2)
        return
    warn(lint.warnings)
    if lint.errors:
        raise SpecError(lint.errors)
    typer.echo(f"{file}: ok ({len(lint.warnings)} warning(s))")


@app.command()
def show(file: Path, as_json: bool = JSON) -> None:
    """Render a runbook as Markdown for humans (the same file is the doc)."""
    from onshift.cli.output import print_json
    from onshift.runbook import load_runbook, render_markdown

    registry = action_registry()
    runbook = load_runbook(file, registry)
    text = render_markdown(runbook, registry)
    if as_json:
        print_json({"name": runbook.name, "markdown": text})
    else:
        sys.stdout.write(text)


@app.command()
def suggest(
    paths: list[Path] = SUGGEST_PATHS,
    alert: str = SUGGEST_ALERT,
    slo: str = SUGGEST_SLO,
    symptom: list[str] = SUGGEST_SYMPTOMS,
    as_json: bool = JSON,
) -> None:
    """Which runbooks apply to an alert, SLO or symptoms, best match first. A file that does
    not load is reported (exit code 2) without hiding the runbooks that do."""
    from onshift.cli.output import print_json
    from onshift.runbook import suggest as rank

    books, where, problems = load_runbooks(paths, action_registry())
    found = rank(books, alert=alert, slo=slo, symptoms=symptom)
    if as_json:
        print_json([{"name": rb.name, "title": rb.title, "file": where[rb.name]} for rb in found])
    else:
        for rb in found:
            typer.echo(f"{rb.name}  {rb.title}  ({where[rb.name]})")
        if not found:
            typer.echo("no runbook matches")
    if problems:
        for p in problems:
            sys.stderr.write(f"error: {p.render()}\n")
        raise typer.Exit(2)


@app.command("actions")
def list_actions(as_json: bool = JSON) -> None:
    """List the registered actions (built-ins and plugins) and their arguments."""
    from onshift.cli.output import print_json

    registry = action_registry()
    rows: list[dict[str, Any]] = []
    for action_id in registry.ids():
        action = registry.get(action_id)
        params = [
            {"name": p.name, "type": p.type.value, "required": p.required} for p in action.params
        ]
        rows.append({"id": action_id, "summary": action.summary, "params": params})
    if as_json:
        print_json(rows)
        return
    for row in rows:
        args = ", ".join(p["name"] + ("" if p["required"] else "?") for p in row["params"])
        typer.echo(f"{row['id']}({args})  {row['summary']}")


@app.command()
def run(
    ctx: typer.Context,
    file: Path,
    journal: Path = JOURNAL,
    target: Path = TARGET,
    target_url: str = TARGET_URL,
    token_env: str = TOKEN_ENV,
    probe: Path = PROBE,
    probe_max_age: str = PROBE_MAX_AGE,
    dry_run: bool = typer.Option(
        False,  # noqa: FBT003
        "--dry-run",
        help="Print the plan and what each step would change; touch nothing.",
    ),
    auto: bool = AUTO,
    incident: int | None = INCIDENT,
    db: str = INCIDENT_DB,
    as_json: bool = JSON,
) -> None:
    """Run a runbook against a flags file or HTTP flags endpoint until the service is healthy."""
    from onshift.cli.output import print_json
    from onshift.errors import InputError
    from onshift.runbook import (
        JournalWriter,
        Mode,
        load_runbook,
        plan_runbook,
    )

    registry = action_registry()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single("file not found", file=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(f"cannot read the file: {exc}", file=str(file)) from None
    runbook = load_runbook(file, registry, text=text)
    mode = Mode.AUTO if auto else Mode.INTERACTIVE
    surface = open_target(target, target_url, token_env)
    if dry_run:
        plan = plan_runbook(runbook, registry, read_target(surface), mode)
        from onshift.runbook.report import plan_lines, plan_to_json

        if as_json:
            print_json({"runbook": runbook.name, "dry_run": True, "steps": plan_to_json(plan)})
        else:
            for line in plan_lines(plan):
                typer.echo(line)
        return
    probe_port = open_probe(probe, probe_max_age, required=True)
    if journal is None:
        raise InputError.single("give --journal PATH: every run is journaled", path="--journal")
    # Fail before the journal exists when the target or the probe cannot be used.
    read_target(surface)
    executor = start_executor(
        runbook, registry, surface, (probe_port, probe), lambda: JournalWriter.create(journal),
        auto=auto, incident=incident, db=db,
    )  # fmt: skip
    lock_journal(ctx, journal)
    with sigterm_interrupts(journal):
        result = executor.run(source_file=str(file), source_text=text)
    report(result, as_json, journal)


@app.command()
def status(journal: Path, as_json: bool = JSON) -> None:
    """What a journal says: each step's outcome and what is still applied (read only)."""
    from onshift.cli.output import print_json
    from onshift.runbook import fold, journal_lines, journal_to_json, read_journal

    state = fold(read_journal(journal))
    if as_json:
        print_json(journal_to_json(state))
        return
    for line in journal_lines(state):
        typer.echo(line)


@app.command()
def resume(
    ctx: typer.Context,
    journal: Path,
    target: Path = TARGET,
    target_url: str = TARGET_URL,
    token_env: str = TOKEN_ENV,
    probe: Path = PROBE,
    probe_max_age: str = PROBE_MAX_AGE,
    auto: bool = AUTO,
    incident: int | None = INCIDENT,
    db: str = INCIDENT_DB,
    as_json: bool = JSON,
) -> None:
    """Carry on an interrupted run from its journal (the step in flight is undone first)."""
    from onshift.errors import InputError
    from onshift.runbook import load_runbook

    probe_port = open_probe(probe, probe_max_age, required=True)
    state, surface, writer = reopen(ctx, journal, target, target_url, token_env)
    if state.finished:
        raise InputError.single(
            "this run has finished; nothing to resume (use rollback to undo it)", file=str(journal)
        )
    registry = action_registry()
    runbook = load_runbook(state.runbook_file, registry, text=state.runbook_text)
    read_target(surface)
    executor = start_executor(
        runbook, registry, surface, (probe_port, probe), lambda: writer,
        auto=auto, incident=incident, db=db,
    )  # fmt: skip
    with sigterm_interrupts(journal):
        result = executor.resume(state)
    report(result, as_json, journal)


@app.command()
def rollback(
    ctx: typer.Context,
    journal: Path,
    target: Path = TARGET,
    target_url: str = TARGET_URL,
    token_env: str = TOKEN_ENV,
    probe: Path = PROBE,
    probe_max_age: str = PROBE_MAX_AGE,
    incident: int | None = INCIDENT,
    db: str = INCIDENT_DB,
    as_json: bool = JSON,
) -> None:
    """Undo, newest-first, every change the journal says is still in effect (the verified fix
    too). Needs only the journal, not the runbook file."""
    from onshift.clock import SystemClock
    from onshift.runbook import Effects, SubprocessRunner

    probe_port = open_probe(probe, probe_max_age, required=False)
    state, surface, writer = reopen(ctx, journal, target, target_url, token_env)
    effects = Effects(
        name=state.runbook,
        steady_state=state.steady_state,
        target=surface,
        probe=probe_port,
        clock=SystemClock(),
        journal=writer,
        commands=SubprocessRunner(),
        sink=progress_sink(incident, db),
    )
    with sigterm_interrupts(journal):
        result = effects.rollback(state)
    if probe_port is None:
        sys.stderr.write("steady state not checked after the rollback: give --probe FILE\n")
    report(result, as_json, journal)

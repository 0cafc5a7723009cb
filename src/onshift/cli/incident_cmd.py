"""``onshift incident …``: open, acknowledge, mitigate, resolve, annotate and inspect incidents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from onshift.incident.service import IncidentService
    from onshift.incident.sqlstore import SqlIncidentStore
    from onshift.incident.store import Incident

__all__ = ["app"]

app = typer.Typer(
    help="Open, acknowledge, mitigate, resolve and inspect incidents.", no_args_is_help=True
)


class SeverityChoice(StrEnum):
    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


DB = typer.Option(
    "onshift.db",
    "--db",
    envvar="ONSHIFT_DB",
    help="SQLite file (default ./onshift.db) or a postgresql:// URL.",
)
JSON = typer.Option(False, "--json", help="Print JSON.")  # noqa: FBT003
BY = typer.Option("cli", "--by", help="Who is doing this (recorded on the timeline).")


def _open_store(db: str, *, create: bool = False) -> SqlIncidentStore:
    """The store behind ``--db``. Only ``incident open`` may create a new SQLite file."""
    from onshift.incident.sqlstore import SqlIncidentStore

    return SqlIncidentStore(db, create=create)


WEBHOOK = typer.Option("", "--webhook", help="Tell this JSON webhook too (if it was paged).")
PAGERDUTY = typer.Option("", "--pagerduty-key", help="Tell PagerDuty too (if it was paged).")


def _service(
    store: SqlIncidentStore, webhook: str = "", pagerduty_key: str = ""
) -> IncidentService:
    from onshift.clock import SystemClock
    from onshift.incident.service import IncidentService

    notifier = None
    if webhook or pagerduty_key:
        from onshift.cli.escalation_cmd import make_notifier

        notifier = make_notifier(webhook, pagerduty_key)
    return IncidentService(store=store, clock=SystemClock(), notifier=notifier)


def _report(incident: Incident, verb: str, *, as_json: bool) -> None:
    from onshift.cli.output import print_json
    from onshift.incident.render import incident_json

    if as_json:
        print_json(incident_json(incident))
        return
    s = incident.state
    typer.echo(f"incident {incident.id} {verb}: {s.status}, {s.severity} — {s.title}")


@contextmanager
def _asked_for() -> Iterator[None]:
    """An unknown incident or an event its state refuses is bad input: exit code 2."""
    from onshift.errors import InputError, InvalidTransition, NotFoundError

    try:
        yield
    except (NotFoundError, InvalidTransition) as exc:
        raise InputError.single(str(exc), path="ID") from exc


def _named(value: str, option: str) -> str:
    from onshift.errors import InputError

    if not value.strip():
        raise InputError.single("a name is needed, not an empty string", path=option)
    return value


def _run(
    db: str,
    verb: str,
    as_json: bool,
    action: Any,
    webhook: str = "",
    pagerduty_key: str = "",
    *,
    create: bool = False,
) -> None:
    store = _open_store(db, create=create)
    try:
        with _asked_for():
            incident = action(_service(store, webhook, pagerduty_key))
        _report(incident, verb, as_json=as_json)
    finally:
        store.close()


@app.command("open")
def open_(
    severity: Annotated[SeverityChoice, typer.Option("--severity", help="sev1 (worst) … sev4.")],
    title: str = typer.Option(..., "--title", help="What is wrong, in a line."),
    service: str = typer.Option("", "--service", help="The affected service."),
    policy: str = typer.Option("", "--policy", help="Escalation policy name for paging."),
    commander: str = typer.Option("", "--commander", help="The incident commander."),
    fault_start: str | None = typer.Option(
        None, "--fault-start", help="When the fault began, if known (for time to detect)."
    ),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Open an incident."""
    from onshift.errors import InputError
    from onshift.incident.events import Severity
    from onshift.units import parse_timestamp

    if not title.strip():
        raise InputError.single("the title cannot be empty", path="--title")
    fault = None
    if fault_start is not None:
        try:
            fault = parse_timestamp(fault_start)
        except ValueError as exc:
            raise InputError.single(str(exc), path="--fault-start") from None
    _run(
        db,
        "opened",
        as_json,
        lambda svc: svc.open(
            title=title,
            severity=Severity(severity),
            actor=by,
            service=service,
            policy=policy,
            commander=commander,
            fault_started_at=fault,
        ),
        create=True,
    )


@app.command("ack")
def ack(
    incident_id: int = typer.Argument(..., metavar="ID"),
    by: str = typer.Option(..., "--by", help="Who takes the page."),
    webhook: str = WEBHOOK,
    pagerduty_key: str = PAGERDUTY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Acknowledge: someone has it; the escalation ladder stops."""
    _named(by, "--by")
    _run(
        db,
        "acknowledged",
        as_json,
        lambda svc: svc.acknowledge(incident_id, by=by),
        webhook,
        pagerduty_key,
    )


@app.command("mitigate")
def mitigate(
    incident_id: int = typer.Argument(..., metavar="ID"),
    action: str = typer.Option("", "--action", help="What made it healthy (e.g. rollback)."),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Mark the service healthy again (the cause may not be fixed yet)."""
    _run(db, "mitigated", as_json, lambda svc: svc.mitigate(incident_id, by=by, action=action))


@app.command("resolve")
def resolve(
    incident_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option("", "--reason", help="How it was resolved."),
    by: str = BY,
    webhook: str = WEBHOOK,
    pagerduty_key: str = PAGERDUTY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Resolve: stops every page and ticket for this incident."""
    _run(
        db,
        "resolved",
        as_json,
        lambda svc: svc.resolve(incident_id, by=by, reason=reason),
        webhook,
        pagerduty_key,
    )


@app.command("reopen")
def reopen(
    incident_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option("", "--reason", help="Why it is back."),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Back to triggered (after resolve, mitigate or acknowledge); the ladder starts again."""
    _run(db, "reopened", as_json, lambda svc: svc.reopen(incident_id, by=by, reason=reason))


@app.command("note")
def note(
    incident_id: int = typer.Argument(..., metavar="ID"),
    text: str = typer.Argument(..., help="The note."),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Add a note to the timeline."""
    from onshift.errors import InputError

    if not text.strip():
        raise InputError.single("the note is empty", path="TEXT")
    _run(db, "noted", as_json, lambda svc: svc.note(incident_id, text, by=by))


@app.command("severity")
def severity(
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    level: Annotated[SeverityChoice, typer.Argument(metavar="SEVERITY", help="sev1 … sev4")],
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Change the severity (a timeline event)."""
    from onshift.incident.events import Severity

    _run(db, "re-rated", as_json, lambda svc: svc.set_severity(incident_id, Severity(level), by=by))


@app.command("commander")
def commander(
    incident_id: int = typer.Argument(..., metavar="ID"),
    name: str = typer.Argument(..., metavar="NAME"),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Name the incident commander."""
    _named(name, "NAME")
    _run(db, "updated", as_json, lambda svc: svc.assign_commander(incident_id, name, by=by))


@app.command("list")
def list_(
    open_only: bool = typer.Option(False, "--open", help="Only unresolved incidents."),  # noqa: FBT003
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """List incidents, oldest first."""
    from onshift.cli.output import console, print_json
    from onshift.incident.render import incident_json

    store = _open_store(db)
    try:
        found = store.incidents(open_only=open_only)
    finally:
        store.close()
    if as_json:
        print_json([incident_json(i) for i in found])
        return
    if not found:
        typer.echo("no incidents")
        return
    from rich.table import Table

    table = Table("ID", "SEV", "STATUS", "OPENED", "SERVICE", "TITLE", box=None)
    for i in found:
        s = i.state
        table.add_row(
            str(i.id), str(s.severity), str(s.status), s.opened_at.isoformat(), s.service, s.title
        )
    console().print(table)


@app.command("show")
def show(
    incident_id: int = typer.Argument(..., metavar="ID"),
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Show an incident with its timeline and phase times."""
    from onshift.cli.output import print_json
    from onshift.incident.render import describe, incident_json, timeline_json
    from onshift.units import to_iso

    store = _open_store(db)
    try:
        with _asked_for():
            incident = store.get(incident_id)
        timeline = store.timeline(incident_id)
    finally:
        store.close()
    data = incident_json(incident, with_metrics=True)
    if as_json:
        data["timeline"] = timeline_json(timeline)
        print_json(data)
        return
    s = incident.state
    typer.echo(f"incident {incident.id}: {s.title}")
    typer.echo(
        f"  {s.severity}, {s.status}" + (f", commander {s.commander}" if s.commander else "")
    )
    for event in timeline:
        typer.echo(f"  {to_iso(event.at)}  {event.actor:<14} {describe(event)}")
    phases = ", ".join(
        f"{name} {value:.0f}s" for name, value in data["metrics_s"].items() if value is not None
    )
    if phases:
        typer.echo(f"  times from opening: {phases}")


@app.command("metrics")
def metrics(
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Time to detect, acknowledge, mitigate and resolve: median and p90 over all incidents."""
    from onshift.cli.output import print_json
    from onshift.incident.metrics import summarize

    store = _open_store(db)
    try:
        summary = summarize(i.state for i in store.incidents())
    finally:
        store.close()
    phases = {
        "detect": summary.detect,
        "acknowledge": summary.acknowledge,
        "mitigate": summary.mitigate,
        "resolve": summary.resolve,
    }

    def seconds(value: Any) -> float | None:
        return None if value is None else value.total_seconds()

    rows = {
        name: {"count": p.count, "median_s": seconds(p.median), "p90_s": seconds(p.p90)}
        for name, p in phases.items()
    }
    if as_json:
        print_json({"incidents": summary.incidents, "phases": rows})
        return
    typer.echo(
        f"{summary.incidents} incidents (median and p90, not means: durations are heavy-tailed)"
    )
    for name, row in rows.items():
        if row["count"] == 0:
            typer.echo(f"  {name:<12} no data")
            continue
        typer.echo(
            f"  {name:<12} median {row['median_s']:.0f}s  p90 {row['p90_s']:.0f}s"
            f"  ({row['count']} incidents)"
        )

"""``onshift incident open|ack|mitigate|resolve|reopen|note|severity|commander``: the commands
that append to an incident's timeline (registered on the group in :mod:`onshift.cli.incident_cmd`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from onshift.cli.incident_options import (
    BY,
    DB,
    JSON,
    PAGERDUTY,
    WEBHOOK,
    SeverityChoice,
    asked_for,
    open_store,
    report,
)

if TYPE_CHECKING:
    from onshift.incident.service import IncidentService
    from onshift.incident.sqlstore import SqlIncidentStore

__all__ = [
    "ack",
    "commander",
    "mitigate",
    "note",
    "open_",
    "reopen",
    "resolve",
    "severity",
]


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
    store = open_store(db, create=create)
    try:
        with asked_for():
            incident = action(_service(store, webhook, pagerduty_key))
        report(incident, verb, as_json=as_json)
    finally:
        store.close()


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
    if commander:
        _named(commander, "--commander")
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


def mitigate(
    incident_id: int = typer.Argument(..., metavar="ID"),
    action: str = typer.Option("", "--action", help="What made it healthy (e.g. rollback)."),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Mark the service healthy again (the cause may not be fixed yet)."""
    _run(db, "mitigated", as_json, lambda svc: svc.mitigate(incident_id, by=by, action=action))


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


def reopen(
    incident_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option("", "--reason", help="Why it is back."),
    by: str = BY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Back to triggered (after resolve, mitigate or acknowledge); the ladder starts again."""
    _run(db, "reopened", as_json, lambda svc: svc.reopen(incident_id, by=by, reason=reason))


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

"""Options and helpers shared by the ``onshift incident`` commands.

Only Typer is imported here at import time; the store, the renderers and the error types are
imported when a command runs, so that ``onshift --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from onshift.incident.sqlstore import SqlIncidentStore
    from onshift.incident.store import Incident

__all__ = [
    "BY",
    "DB",
    "JSON",
    "PAGERDUTY",
    "WEBHOOK",
    "SeverityChoice",
    "asked_for",
    "open_store",
    "report",
]


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
WEBHOOK = typer.Option("", "--webhook", help="Tell this JSON webhook too (if it was paged).")
PAGERDUTY = typer.Option("", "--pagerduty-key", help="Tell PagerDuty too (if it was paged).")


def open_store(db: str, *, create: bool = False) -> SqlIncidentStore:
    """The store behind ``--db``. Only ``incident open`` may create a new SQLite file."""
    from onshift.incident.sqlstore import SqlIncidentStore

    return SqlIncidentStore(db, create=create)


def report(incident: Incident, verb: str, *, as_json: bool) -> None:
    from onshift.cli.output import print_json
    from onshift.incident.render import incident_json

    if as_json:
        print_json(incident_json(incident))
        return
    s = incident.state
    typer.echo(f"incident {incident.id} {verb}: {s.status}, {s.severity} — {s.title}")


@contextmanager
def asked_for() -> Iterator[None]:
    """An unknown incident or an event its state refuses is bad input: exit code 2."""
    from onshift.errors import InputError, InvalidTransition, NotFoundError

    try:
        yield
    except (NotFoundError, InvalidTransition) as exc:
        raise InputError.single(str(exc), path="ID") from exc

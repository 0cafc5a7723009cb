"""``onshift incident list|show|metrics``: the commands that only read the store (registered on
the group in :mod:`onshift.cli.incident_cmd`).
"""

from __future__ import annotations

from typing import Any

import typer

from onshift.cli.incident_options import DB, JSON, asked_for, open_store

__all__ = ["list_", "metrics", "show"]


def list_(
    open_only: bool = typer.Option(False, "--open", help="Only unresolved incidents."),  # noqa: FBT003
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """List incidents, oldest first."""
    from onshift.cli.output import console, print_json
    from onshift.incident.render import incident_json

    store = open_store(db)
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


def show(
    incident_id: int = typer.Argument(..., metavar="ID"),
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Show an incident with its timeline and phase times."""
    from onshift.cli.output import print_json
    from onshift.incident.render import describe, incident_json, timeline_json
    from onshift.units import to_iso

    store = open_store(db)
    try:
        with asked_for():
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


def metrics(
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Time to detect, acknowledge, mitigate and resolve: median and p90 over all incidents."""
    from onshift.cli.output import print_json
    from onshift.incident.metrics import summarize

    store = open_store(db)
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

"""``onshift incident …``: open, acknowledge, mitigate, resolve, annotate and inspect incidents.

The commands that write live in :mod:`onshift.cli.incident_write`, those that only read in
:mod:`onshift.cli.incident_read`; this module is their Typer group, in the order of an incident.
"""

from __future__ import annotations

import typer

from onshift.cli import incident_read, incident_write

__all__ = ["app"]

app = typer.Typer(
    help="Open, acknowledge, mitigate, resolve and inspect incidents.", no_args_is_help=True
)
app.command("open")(incident_write.open_)
app.command("ack")(incident_write.ack)
app.command("mitigate")(incident_write.mitigate)
app.command("resolve")(incident_write.resolve)
app.command("reopen")(incident_write.reopen)
app.command("note")(incident_write.note)
app.command("severity")(incident_write.severity)
app.command("commander")(incident_write.commander)
app.command("list")(incident_read.list_)
app.command("show")(incident_read.show)
app.command("metrics")(incident_read.metrics)

"""``onshift oncall …``: who is on call; import a schedule from iCalendar."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from onshift.cli.escalation_cmd import parse_at

if TYPE_CHECKING:
    from datetime import datetime

    from onshift.oncall.schedule import Schedule

__all__ = ["app"]

app = typer.Typer(help="On-call schedules: who is on call, iCalendar import.", no_args_is_help=True)

# An .ics file is expanded this far around the asked time (shifts are rarely longer).
_ICAL_WINDOW = timedelta(days=62)


def _schedules(path: Path, at: datetime, time_zone: str, name: str) -> list[Schedule]:
    from onshift.errors import InputError

    if path.suffix.lower() in (".ics", ".ical", ".ifb"):
        from onshift.oncall.ical import read_ical

        _check_zone(time_zone)
        return [
            read_ical(
                path,
                name=name or path.stem,
                time_zone=time_zone,
                start=at - _ICAL_WINDOW,
                end=at + _ICAL_WINDOW,
            )
        ]
    from onshift.oncall.specs import load_oncall

    config = load_oncall([path])
    found = sorted(config.schedules.values(), key=lambda s: s.name)
    if name:
        found = [s for s in found if s.name == name]
    if not found:
        what = f"no Schedule named {name!r}" if name else "no Schedule"
        raise InputError.single(f"{what} in this file", file=str(path))
    return found


def _check_zone(time_zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from onshift.errors import InputError

    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError.single(
            f"unknown IANA time zone {time_zone!r}", path="--time-zone"
        ) from None


@app.command("who")
def who(
    schedule_file: Annotated[
        Path, typer.Argument(metavar="SCHEDULE", help="Schedule YAML or .ics.")
    ],
    at: str | None = typer.Option(None, "--at", help="When (ISO-8601 or Unix); default now."),
    name: str = typer.Option("", "--name", help="Only the schedule with this name."),
    time_zone: str = typer.Option("UTC", "--time-zone", help="Zone for floating .ics times."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),  # noqa: FBT003
) -> None:
    """Who is on call at a time (right across DST changes)."""
    from onshift.cli.output import print_json
    from onshift.oncall.schedule import on_call
    from onshift.units import to_iso

    moment = parse_at(at)
    rows: list[dict[str, Any]] = []
    for schedule in _schedules(schedule_file, moment, time_zone, name):
        found = on_call(schedule, moment)
        rows.append(
            {
                "schedule": schedule.name,
                "at": to_iso(moment),
                "local_time": moment.astimezone(schedule.zone).isoformat(),
                "user": found.user,
                "source": found.source or None,
                "since": None if found.since is None else to_iso(found.since),
                "until": None if found.until is None else to_iso(found.until),
            }
        )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        user = row["user"] or "nobody"
        span = f" until {row['until']}" if row["until"] else ""
        source = f" ({row['source']})" if row["source"] else ""
        typer.echo(f"{row['schedule']}: {user}{source}{span}  [{row['local_time']}]")


@app.command("import")
def import_(
    ics_file: Annotated[Path, typer.Argument(metavar="FILE.ics", help="iCalendar export.")],
    name: str = typer.Option(..., "--name", help="Name of the schedule to write."),
    time_zone: str = typer.Option("UTC", "--time-zone", help="The schedule's IANA zone."),
    start: str = typer.Option(..., "--from", help="Import shifts from this time."),
    end: str = typer.Option(..., "--to", help="… up to this time."),
) -> None:
    """Print a Schedule YAML with the shifts of an iCalendar file (Grafana OnCall, PagerDuty)."""
    import yaml

    from onshift.errors import InputError
    from onshift.oncall.ical import read_ical
    from onshift.units import parse_timestamp, to_iso

    _check_zone(time_zone)
    try:
        begin, finish = parse_timestamp(start), parse_timestamp(end)
    except ValueError as exc:
        raise InputError.single(str(exc), path="--from/--to") from None
    if finish <= begin:
        raise InputError.single("--to must be after --from", path="--to")
    schedule = read_ical(ics_file, name=name, time_zone=time_zone, start=begin, end=finish)
    document = {
        "apiVersion": "onshift/v1",
        "kind": "Schedule",
        "metadata": {"name": name},
        "spec": {
            "time_zone": time_zone,
            "layers": [
                {
                    "name": layer.name,
                    "shifts": [
                        {"who": s.who, "from": to_iso(s.start), "to": to_iso(s.end)}
                        for s in layer.shifts
                    ],
                }
                for layer in schedule.layers
            ],
        },
    }
    typer.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)

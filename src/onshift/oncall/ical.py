"""Import an on-call schedule from an iCalendar file (Grafana OnCall / PagerDuty export).

Each VEVENT is a shift; recurring shifts (RRULE, EXDATE, moved occurrences) are expanded with
``recurring-ical-events`` over a window. The person on call is the event's ATTENDEE (its CN
parameter, else the mailbox before ``@``), else the SUMMARY with any ``On Call -`` prefix and
``- Layer`` suffix removed (PagerDuty writes ``On Call - Ann Lee - Primary``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from onshift.errors import SpecError
from onshift.oncall.schedule import Layer, Schedule, Shift

__all__ = ["import_ical", "read_ical"]


def _who(event: Any) -> str:
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):
        attendee = attendee[0] if attendee else None
    if attendee is not None:
        name = getattr(attendee, "params", {}).get("CN")
        if name:
            return str(name).strip()
        mailbox = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:")
        return mailbox.split("@", 1)[0].strip()
    summary = str(event.get("SUMMARY", "")).strip()
    if summary.lower().startswith("on call -"):
        summary = summary[len("on call -") :].strip()
        summary = summary.rsplit(" - ", 1)[0].strip()
    return summary


def _aware(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone)
    msg = f"not a date or time: {value!r}"
    raise TypeError(msg)


def import_ical(
    text: str,
    *,
    name: str,
    time_zone: str,
    start: datetime,
    end: datetime,
    file: str = "<ical>",
) -> Schedule:
    """A schedule with one layer of explicit shifts, for the shifts overlapping [start, end).

    Floating times (no zone in the file) are read in ``time_zone``.
    """
    import icalendar
    import recurring_ical_events

    zone = ZoneInfo(time_zone)
    try:
        calendar = icalendar.Calendar.from_ical(text)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except (ValueError, KeyError, IndexError) as exc:
        raise SpecError.single(f"not a readable iCalendar file: {exc}", file=file) from exc
    shifts = []
    for event in occurrences:
        who = _who(event)
        begin = event.get("DTSTART")
        finish = event.get("DTEND")
        if not who or begin is None or finish is None:
            continue
        shift_start = _aware(begin.dt, zone).astimezone(UTC)
        shift_end = _aware(finish.dt, zone).astimezone(UTC)
        if shift_end > shift_start:
            shifts.append(Shift(who=who, start=shift_start, end=shift_end))
    shifts.sort(key=lambda s: (s.start, s.end, s.who))
    return Schedule(
        name=name,
        time_zone=time_zone,
        layers=(Layer(name="ical", shifts=tuple(shifts)),),
    )


def read_ical(
    path: Path | str, *, name: str, time_zone: str, start: datetime, end: datetime
) -> Schedule:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError.single("file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError.single(f"cannot read the file: {exc}", file=file) from exc
    return import_ical(text, name=name, time_zone=time_zone, start=start, end=end, file=file)

"""Import an on-call schedule from an iCalendar file (Grafana OnCall / PagerDuty export).

Each VEVENT is a shift; recurring shifts (RRULE, EXDATE, moved occurrences) are expanded with
``recurring-ical-events`` over a window. The person on call is the event's ATTENDEE (its CN
parameter, else the mailbox before ``@``), else the SUMMARY with any ``On Call -`` prefix and
``- Layer`` suffix removed (PagerDuty writes ``On Call - Ann Lee - Primary``).

Times with a ``Z`` are UTC; floating times (no zone) are read in the schedule's zone. A
``TZID`` must name a zone icalendar knows without the file (IANA such as ``Europe/Berlin``, or
a Windows name) or a VTIMEZONE of the same file. Any other TZID is bad input, reported at each
property that uses it: icalendar would leave those times floating, which puts the wrong person
on call.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from onshift.errors import Problem, SpecError
from onshift.oncall.schedule import Layer, Schedule, Shift

if TYPE_CHECKING:
    from icalendar import Calendar

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


# As icalendar splits a file: lines end with CRLF or LF, blank lines are dropped, and one
# starting with a space or a tab continues the line before it (RFC 5545 section 3.1).
_NEWLINE = re.compile(r"\r?\n")


@dataclass(frozen=True, slots=True, kw_only=True)
class _TzidUse:
    """A property with a TZID parameter, where it is in the file."""

    line: int
    path: str
    tzid: str


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each unfolded content line of ``text`` with the number of the line it starts on."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(_NEWLINE.split(text), start=1):
        if not raw:
            continue
        if raw[:1] in (" ", "\t") and parts:
            parts.append(raw[1:])
            continue
        if parts:
            yield start, "".join(parts)
        start, parts = number, [raw]
    if parts:
        yield start, "".join(parts)


def _tzid_uses(text: str) -> Iterator[_TzidUse]:
    """Every property with a TZID, its path counting components of a kind from 0."""
    from icalendar.parser import Contentline

    labels: list[str] = []
    seen: list[Counter[str]] = [Counter()]
    for number, line in _content_lines(text):
        try:
            # icalendar leaves the constructor (a str subclass) unannotated.
            content = Contentline(line)  # type: ignore[no-untyped-call]
            name, params, value = content.parts()
        except ValueError:
            continue  # no property: icalendar could not have read a TZID from it either
        name = name.upper()
        if name == "BEGIN":
            kind = value.strip().upper()
            labels.append(f"{kind}[{seen[-1][kind]}]")
            seen[-1][kind] += 1
            seen.append(Counter())
        elif name == "END" and labels:
            labels.pop()
            seen.pop()
        elif params.get("TZID"):
            # The VCALENDAR around everything is left out of the path.
            path = ".".join([*labels[1:], name])
            yield _TzidUse(line=number, path=path, tzid=str(params["TZID"]))


def _unknown_tzids(calendar: Calendar, used: set[str]) -> set[str]:
    """The ``used`` TZIDs that are neither a VTIMEZONE of ``calendar`` nor a zone icalendar knows.

    A fresh ``TZP`` because the shared one also remembers the VTIMEZONEs of files read before.
    """
    from icalendar.timezone import TZP

    defined = {str(component["TZID"]) for component in calendar.walk("VTIMEZONE")}
    standard = TZP()
    return {tzid for tzid in used - defined if standard.timezone(tzid) is None}


def _unknown_tzid_message(tzid: str) -> str:
    message = (
        f"unknown TZID {tzid!r}: expected an IANA time zone such as Europe/Berlin,"
        " or the TZID of a VTIMEZONE in this file"
    )
    hint = get_close_matches(tzid, sorted(available_timezones()), n=1)
    return f"{message}; did you mean {hint[0]!r}?" if hint else message


def _check_tzids(calendar: Calendar, text: str, file: str) -> None:
    uses = list(_tzid_uses(text))
    unknown = _unknown_tzids(calendar, {use.tzid for use in uses})
    problems = [
        Problem(file=file, line=use.line, path=use.path, message=_unknown_tzid_message(use.tzid))
        for use in uses
        if use.tzid in unknown
    ]
    if problems:
        raise SpecError(problems)


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

    Floating times (no zone in the file) are read in ``time_zone``. A TZID that is neither a
    known zone nor a VTIMEZONE of the file is a :class:`SpecError`, one problem per property.
    """
    import icalendar
    import recurring_ical_events

    zone = ZoneInfo(time_zone)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise SpecError.single(f"not a readable iCalendar file: {exc}", file=file) from exc
    _check_tzids(calendar, text, file)
    try:
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

"""An .ics TZID onshift cannot resolve is bad input, never a time silently read as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from onshift.errors import InputError, Problem
from onshift.oncall.ical import import_ical, read_ical
from onshift.oncall.schedule import on_call
from tests.conftest import invoke as run

EXPECTED = (
    "expected an IANA time zone such as Europe/Berlin, or the TZID of a VTIMEZONE in this file"
)
TYPO = f"unknown TZID 'America/New_Yrok': {EXPECTED}; did you mean 'America/New_York'?"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar(*events: str, timezones: str = "") -> str:
    """An .ics file, one line per line of text; ``events`` are the lines inside each VEVENT."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//onshift//tests//EN"]
    lines += timezones.splitlines()
    for i, body in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:{i}@onshift.test", "DTSTAMP:20260101T000000Z"]
        lines += [*body.splitlines(), "END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


ANN = "DTSTART;TZID=America/New_York:20261101T090000\nDTEND:20261102T140000Z\nSUMMARY:ann"
# Line 14 of the file (3 header lines, ann's 7, 3 more): the second VEVENT's DTSTART.
BOB_TYPO = "DTSTART;TZID=America/New_Yrok:20261102T090000\nDTEND:20261103T140000Z\nSUMMARY:bob"


def load(text: str, *, time_zone: str = "UTC") -> list[tuple[str, datetime, datetime]]:
    schedule = import_ical(
        text,
        name="t",
        time_zone=time_zone,
        start=utc("2026-10-01T00:00:00"),
        end=utc("2026-12-01T00:00:00"),
        file="shifts.ics",
    )
    return [(s.who, s.start, s.end) for layer in schedule.layers for s in layer.shifts]


def problems_of(text: str) -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        load(text)
    return caught.value.problems


def test_a_misspelt_tzid_is_bad_input_at_its_file_line_and_property() -> None:
    assert problems_of(calendar(ANN, BOB_TYPO)) == (
        Problem(file="shifts.ics", line=14, path="VEVENT[1].DTSTART", message=TYPO),
    )


def test_a_misspelt_tzid_is_not_read_in_the_schedule_zone_either() -> None:
    with pytest.raises(InputError, match="America/New_Yrok"):
        load(calendar(BOB_TYPO), time_zone="Europe/Berlin")


def test_read_ical_names_the_file_it_read(tmp_path: Path) -> None:
    path = tmp_path / "primary.ics"
    path.write_text(calendar(ANN, BOB_TYPO), newline="")
    with pytest.raises(InputError) as caught:
        read_ical(
            path,
            name="t",
            time_zone="UTC",
            start=utc("2026-10-01T00:00:00"),
            end=utc("2027-01-01T00:00:00"),
        )
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 14, "VEVENT[1].DTSTART")


def test_two_bad_tzids_are_two_problems_in_file_order() -> None:
    end_typo = "DTSTART:20261101T140000Z\nDTEND;TZID=Europe/Berln:20261102T090000\nSUMMARY:cy"
    problems = problems_of(calendar(BOB_TYPO, end_typo))
    assert [(p.line, p.path, p.message.split(":")[0]) for p in problems] == [
        (7, "VEVENT[0].DTSTART", "unknown TZID 'America/New_Yrok'"),
        (15, "VEVENT[1].DTEND", "unknown TZID 'Europe/Berln'"),
    ]
    assert problems[1].message.endswith("did you mean 'Europe/Berlin'?")


def test_every_property_using_a_bad_tzid_is_reported_also_outside_the_event_times() -> None:
    # An EXDATE in an unknown zone would silently fail to cancel its occurrence.
    weekly = (
        "DTSTART;TZID=Europe/Berlin:20261102T090000\nDTEND;TZID=Europe/Berlin:20261103T090000\n"
        "RRULE:FREQ=WEEKLY\nEXDATE;TZID=Mars/Olympus:20261109T090000\nSUMMARY:ann"
    )
    [problem] = problems_of(calendar(weekly))
    assert (problem.line, problem.path) == (10, "VEVENT[0].EXDATE")
    assert problem.message == f"unknown TZID 'Mars/Olympus': {EXPECTED}"


def test_a_folded_property_is_reported_at_the_line_it_starts_on() -> None:
    folded = (
        "DTSTART;TZID=America/\r\n New_Yrok:20261102T090000\nDTEND:20261103T140000Z\nSUMMARY:bob"
    )
    [problem] = problems_of(calendar(folded))
    assert (problem.line, problem.path, problem.message) == (7, "VEVENT[0].DTSTART", TYPO)


OPS_ZONE = """BEGIN:VTIMEZONE
TZID:Ops Shift Time (onshift tests)
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
TZNAME:OST
END:STANDARD
END:VTIMEZONE"""
OPS_SHIFT = (
    'DTSTART;TZID="Ops Shift Time (onshift tests)":20261101T090000\n'
    "DTEND;TZID=Ops Shift Time (onshift tests):20261102T090000\nSUMMARY:ann"
)


def test_a_tzid_defined_by_a_vtimezone_in_the_file_is_read_in_that_zone() -> None:
    assert load(calendar(OPS_SHIFT, timezones=OPS_ZONE)) == [
        ("ann", utc("2026-11-01T03:30:00"), utc("2026-11-02T03:30:00"))
    ]


def test_a_vtimezone_of_an_earlier_file_does_not_define_a_tzid_of_a_later_one() -> None:
    # icalendar remembers every VTIMEZONE it has read, process-wide.
    load(calendar(OPS_SHIFT, timezones=OPS_ZONE))
    [start, end] = problems_of(calendar(OPS_SHIFT))
    assert (start.path, end.path) == ("VEVENT[0].DTSTART", "VEVENT[0].DTEND")
    assert start.message.startswith("unknown TZID 'Ops Shift Time (onshift tests)'")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(
            "DTSTART;TZID=America/New_York:20261101T090000", "2026-11-01T14:00:00", id="IANA"
        ),
        pytest.param("DTSTART:20261101T090000Z", "2026-11-01T09:00:00", id="UTC with Z"),
        pytest.param("DTSTART;TZID=UTC:20261101T090000", "2026-11-01T09:00:00", id="TZID=UTC"),
        pytest.param(
            "DTSTART;TZID=Eastern Standard Time:20261101T090000",
            "2026-11-01T14:00:00",
            id="Windows name (Outlook)",
        ),
    ],
)
def test_zones_icalendar_knows_without_a_vtimezone_keep_working(start: str, expected: str) -> None:
    event = f"{start}\nDTEND:20261102T000000Z\nSUMMARY:ann"
    assert load(calendar(event), time_zone="Europe/Berlin") == [
        ("ann", utc(expected), utc("2026-11-02T00:00:00"))
    ]


def test_floating_times_are_still_read_in_the_schedule_zone() -> None:
    event = "DTSTART:20261101T090000\nDTEND:20261102T090000\nSUMMARY:ann"
    assert load(calendar(event), time_zone="Europe/Berlin") == [
        ("ann", utc("2026-11-01T08:00:00"), utc("2026-11-02T08:00:00"))
    ]


def test_who_with_a_misspelt_tzid_exits_2_with_one_line_per_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "primary.ics"
    path.write_text(calendar(ANN, BOB_TYPO), newline="")
    code, out, err = run(capsys, "oncall", "who", path, "--at", "2026-11-02T15:00:00Z")
    assert (code, out) == (2, "")
    assert err == f"error: {path}:14: VEVENT[1].DTSTART: {TYPO}\n"
    assert "Traceback" not in err


def test_import_with_two_bad_tzids_exits_2_naming_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "primary.ics"
    path.write_text(calendar(BOB_TYPO, BOB_TYPO.replace("bob", "cy")), newline="")
    args = ("--from", "2026-10-01T00:00:00Z", "--to", "2026-12-01T00:00:00Z")
    code, out, err = run(capsys, "oncall", "import", path, "--name", "primary", *args)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {path}:7: VEVENT[0].DTSTART: {TYPO}",
        f"error: {path}:14: VEVENT[1].DTSTART: {TYPO}",
    ]


def test_the_shipped_example_still_answers_who_is_on_call() -> None:
    schedule = read_ical(
        Path(__file__).resolve().parents[2] / "examples" / "oncall" / "primary.ics",
        name="primary",
        time_zone="UTC",
        start=utc("2026-03-01T00:00:00"),
        end=utc("2026-04-01T00:00:00"),
    )
    assert on_call(schedule, utc("2026-03-02T08:00:00")).user == "ann"

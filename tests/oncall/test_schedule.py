from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from onshift.errors import SpecError
from onshift.oncall.ical import import_ical, read_ical
from onshift.oncall.schedule import (
    Handoff,
    Layer,
    Override,
    Restriction,
    Rotation,
    Schedule,
    local_to_utc,
    on_call,
)
from onshift.oncall.specs import load_oncall

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "oncall"
H = timedelta(hours=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def daily(zone: str, handoff: time, start: date, *members: str) -> Schedule:
    rotation = Rotation(kind=Handoff.DAILY, handoff=handoff, start=start, members=members)
    return Schedule(name="s", time_zone=zone, layers=(Layer(name="l", rotation=rotation),))


@pytest.mark.parametrize(
    ("at", "who"),
    [
        ("2026-03-28T07:59:00", "ann"),  # 08:59 CET: still Friday's shift
        ("2026-03-28T08:00:00", "bob"),  # 09:00 CET
        ("2026-03-29T06:59:00", "bob"),  # 08:59 CEST: a UTC-based rota would have handed off
        ("2026-03-29T07:00:00", "ann"),  # 09:00 CEST
        ("2026-10-25T07:59:00", "bob"),  # 08:59 CET after fall-back
        ("2026-10-25T08:00:00", "ann"),  # 09:00 CET
    ],
)
def test_a_berlin_daily_rotation_hands_off_at_9_local_on_both_sides_of_dst(
    at: str, who: str
) -> None:
    schedule = daily("Europe/Berlin", time(9), date(2026, 3, 1), "ann", "bob")
    assert on_call(schedule, utc(at)).user == who


def test_the_shift_spanning_spring_forward_is_23_hours_and_fall_back_25() -> None:
    schedule = daily("Europe/Berlin", time(9), date(2026, 3, 1), "ann", "bob")
    spring = on_call(schedule, utc("2026-03-29T00:00:00"))
    assert (spring.since, spring.until) == (utc("2026-03-28T08:00:00"), utc("2026-03-29T07:00:00"))
    autumn = on_call(schedule, utc("2026-10-25T03:00:00"))
    assert autumn.until is not None
    assert autumn.since is not None
    assert autumn.until - autumn.since == 25 * H


@pytest.mark.parametrize(
    ("handoff", "at", "who"),
    [
        # Handoff at 02:30, which never happens on 2026-03-08 (02:00 EST → 03:00 EDT).
        (time(2, 30), "2026-03-08T06:59:59", "ann"),  # 01:59:59 EST
        (time(2, 30), "2026-03-08T07:00:00", "bob"),  # 03:00 EDT, the first instant after 02:30
        (time(2, 30), "2026-03-09T06:29:00", "bob"),  # 02:29 EDT the next day
        (time(2, 30), "2026-03-09T06:30:00", "ann"),
        # Handoff at 01:30, which happens twice on 2026-11-01 (02:00 EDT → 01:00 EST).
        (time(1, 30), "2026-11-01T05:29:00", "ann"),  # 01:29 EDT
        (time(1, 30), "2026-11-01T05:30:00", "bob"),  # 01:30 EDT: the first of the two 01:30s
        (time(1, 30), "2026-11-01T06:00:00", "bob"),  # 01:00 EST: the wall clock reads
        (time(1, 30), "2026-11-01T06:29:00", "bob"),  # 01:29 EST, before a handoff already done
        (time(1, 30), "2026-11-01T06:45:00", "bob"),  # 01:45 EST: no second handoff
        (time(1, 30), "2026-11-02T06:29:00", "bob"),  # 01:29 EST the next day
        (time(1, 30), "2026-11-02T06:30:00", "ann"),
    ],
)
def test_a_new_york_rotation_handles_the_missing_and_the_repeated_hour(
    handoff: time, at: str, who: str
) -> None:
    # Members alternate each day; the shifts of 2026-03-07 and 2026-10-31 are ann's.
    schedule = daily("America/New_York", handoff, date(2026, 3, 1), "ann", "bob")
    assert on_call(schedule, utc("2026-03-07T12:00:00")).user == "ann"
    assert on_call(schedule, utc("2026-10-31T12:00:00")).user == "ann"
    assert on_call(schedule, utc(at)).user == who


@pytest.mark.parametrize(
    "at", ["2026-10-25T00:30:00", "2026-10-25T01:00:00", "2026-10-25T01:29:00"]
)
def test_a_handoff_in_the_repeated_hour_happens_once_and_the_shift_holds_the_instant(
    at: str,
) -> None:
    # Berlin repeats 02:00-03:00 on 2026-10-25; the 02:30 handoff happens at 00:30 UTC only.
    # The rotation also starts that day: the first handoff is the repeated one.
    for start in (date(2026, 10, 20), date(2026, 10, 25)):
        schedule = daily("Europe/Berlin", time(2, 30), start, "ann", "bob")
        found = on_call(schedule, utc(at))
        assert found.since == utc("2026-10-25T00:30:00")
        assert found.since <= utc(at) < found.until  # type: ignore[operator]
        assert found.user == ("bob" if start.day == 20 else "ann")


def test_local_to_utc_maps_a_missing_wall_time_to_the_transition() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    assert local_to_utc(date(2026, 3, 8), time(2, 30), zone) == utc("2026-03-08T07:00:00")
    assert local_to_utc(date(2026, 11, 1), time(1, 30), zone) == utc("2026-11-01T05:30:00")


def test_a_weekly_rotation_hands_off_on_the_weekday_it_started() -> None:
    rotation = Rotation(
        kind=Handoff.WEEKLY, handoff=time(9), start=date(2026, 3, 2), members=("ann", "bob")
    )
    schedule = Schedule(
        name="s", time_zone="Europe/Berlin", layers=(Layer(name="w", rotation=rotation),)
    )
    assert on_call(schedule, utc("2026-03-01T12:00:00")).user is None  # before the start
    assert on_call(schedule, utc("2026-03-09T07:59:00")).user == "ann"  # Monday 08:59 CET
    assert on_call(schedule, utc("2026-03-09T08:00:00")).user == "bob"
    assert on_call(schedule, utc("2026-03-30T06:59:00")).user == "bob"  # Monday 08:59 CEST
    assert on_call(schedule, utc("2026-03-30T07:00:00")).user == "ann"


def test_overrides_win_and_the_latest_override_wins_over_an_earlier_one() -> None:
    base = daily("Europe/Berlin", time(9), date(2026, 1, 1), "ann")
    schedule = Schedule(
        name="s",
        time_zone=base.time_zone,
        layers=base.layers,
        overrides=(
            Override(who="carl", start=utc("2026-03-29T00:00:00"), end=utc("2026-03-29T12:00:00")),
            Override(who="dora", start=utc("2026-03-29T06:00:00"), end=utc("2026-03-29T08:00:00")),
        ),
    )
    assert on_call(schedule, utc("2026-03-28T23:59:59")).user == "ann"
    assert on_call(schedule, utc("2026-03-29T05:00:00")).user == "carl"
    found = on_call(schedule, utc("2026-03-29T07:00:00"))
    assert (found.user, found.source) == ("dora", "override")
    assert on_call(schedule, utc("2026-03-29T12:00:00")).user == "ann"


def test_layers_are_tried_in_order_and_restrictions_limit_when_a_layer_applies() -> None:
    config = load_oncall([EXAMPLES / "schedules.yaml"])
    secondary = config.schedules["secondary"]
    # Monday 2026-03-09 10:00 EDT (DST started the day before): business hours.
    assert on_call(secondary, utc("2026-03-09T14:00:00")).source == "business-hours"
    # 18:30 EDT the same day and Saturday noon: the nights-and-weekends layer.
    assert on_call(secondary, utc("2026-03-09T22:30:00")).source == "nights-and-weekends"
    assert on_call(secondary, utc("2026-03-14T16:00:00")).source == "nights-and-weekends"


def test_overnight_restrictions_run_into_the_next_day() -> None:
    nights = Restriction(days=frozenset({4}), start=time(22), end=time(6))  # Friday night
    assert nights.active(datetime(2026, 3, 13, 23, 0))  # noqa: DTZ001 - local wall time
    assert nights.active(datetime(2026, 3, 14, 5, 59))  # noqa: DTZ001
    assert not nights.active(datetime(2026, 3, 14, 6, 0))  # noqa: DTZ001
    assert not nights.active(datetime(2026, 3, 12, 23, 0))  # noqa: DTZ001


def test_yaml_overrides_without_an_offset_are_local_to_the_schedule() -> None:
    primary = load_oncall([EXAMPLES / "schedules.yaml"]).schedules["primary"]
    # 12:00 CEST on 2026-03-29 is 10:00 UTC.
    assert on_call(primary, utc("2026-03-29T09:59:00")).user != "dave"
    assert on_call(primary, utc("2026-03-29T10:00:00")).user == "dave"


@pytest.mark.parametrize(
    ("name", "at", "who", "until"),
    [
        # Business hours close at 18:00 New York time, not at the next day's rotation handoff.
        ("secondary", "2026-03-31T18:00:00", "frank", "2026-03-31T22:00:00"),
        # Nights-and-weekends ends when business hours open again (Wednesday 08:00 EDT).
        ("secondary", "2026-03-31T22:00:00", "ivan", "2026-04-01T12:00:00"),
        # Ann's week is cut by dave's override at 12:00 CEST.
        ("primary", "2026-03-29T08:00:00", "ann", "2026-03-29T10:00:00"),
        ("primary", "2026-03-29T10:00:00", "dave", "2026-03-29T16:00:00"),
    ],
)
def test_until_is_when_the_answer_changes_not_just_the_rotation_handoff(
    name: str, at: str, who: str, until: str
) -> None:
    schedule = load_oncall([EXAMPLES / "schedules.yaml"]).schedules[name]
    found = on_call(schedule, utc(at))
    assert (found.user, found.until) == (who, utc(until))
    assert on_call(schedule, utc(until)).user != who


def test_an_override_starting_in_the_skipped_hour_starts_at_the_first_instant_after_it(
    tmp_path: Path,
) -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29: "02:30" local becomes 03:00 CEST = 01:00 UTC.
    path = tmp_path / "s.yaml"
    path.write_text(
        "apiVersion: onshift/v1\nkind: Schedule\nmetadata: {name: s}\n"
        "spec:\n  time_zone: Europe/Berlin\n  overrides:\n"
        '    - {who: cover, from: "2026-03-29T02:30:00", to: "2026-03-29T03:30:00"}\n'
    )
    schedule = load_oncall([path]).schedules["s"]
    assert on_call(schedule, utc("2026-03-29T00:59:59")).user is None
    found = on_call(schedule, utc("2026-03-29T01:00:00"))
    assert (found.user, found.since, found.until) == (
        "cover",
        utc("2026-03-29T01:00:00"),
        utc("2026-03-29T01:30:00"),
    )
    assert on_call(schedule, utc("2026-03-29T01:30:00")).user is None


def test_an_override_wholly_inside_the_skipped_hour_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "apiVersion: onshift/v1\nkind: Schedule\nmetadata: {name: s}\n"
        "spec:\n  time_zone: Europe/Berlin\n  overrides:\n"
        '    - {who: cover, from: "2026-03-29T02:10:00", to: "2026-03-29T02:50:00"}\n'
    )
    with pytest.raises(SpecError) as caught:
        load_oncall([path])
    [problem] = caught.value.problems
    assert (problem.line, problem.path) == (7, "spec.overrides[0].to")
    assert problem.message == "must be after 'from' (both fall in the hour a DST change skips)"


def test_an_icalendar_export_with_weekly_rrules_imports_across_dst() -> None:
    schedule = read_ical(
        EXAMPLES / "primary.ics",
        name="primary",
        time_zone="Europe/Berlin",
        start=utc("2026-03-01T00:00:00"),
        end=utc("2026-05-01T00:00:00"),
    )
    who = {
        t: on_call(schedule, utc(t)).user
        for t in (
            "2026-03-02T08:00:00",  # ann (ATTENDEE with CN)
            "2026-03-09T08:00:00",  # bob (ATTENDEE mailbox)
            "2026-03-29T01:00:00",  # carol: a one-off swap of two hours over the DST change
            "2026-03-29T02:30:00",  # back to bob
            "2026-03-30T06:59:00",  # still bob: 08:59 CEST
            "2026-03-30T07:00:00",  # ann from 09:00 CEST
        )
    }
    assert list(who.values()) == ["ann", "bob", "carol", "bob", "bob", "ann"]


def test_a_broken_icalendar_file_is_a_spec_error() -> None:
    from onshift.errors import SpecError

    with pytest.raises(SpecError, match="iCalendar"):
        import_ical(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\n",
            name="x",
            time_zone="UTC",
            start=utc("2026-01-01T00:00:00"),
            end=utc("2026-02-01T00:00:00"),
        )


def test_all_day_and_pagerduty_style_events_import_in_the_schedule_zone() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20260329\r\nDTEND;VALUE=DATE:20260330\r\n"
        "SUMMARY:On Call - Kim Park - Primary\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20250101T000000Z\r\nDTEND:20270101T000000Z\r\nSUMMARY:zed\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    schedule = import_ical(
        text,
        name="x",
        time_zone="Europe/Berlin",
        start=utc("2026-03-01T00:00:00"),
        end=utc("2026-04-01T00:00:00"),
    )
    kim = on_call(schedule, utc("2026-03-29T12:00:00"))
    # The local day of the DST change is 23 hours long.
    assert (kim.user, kim.since, kim.until) == (
        "Kim Park",
        utc("2026-03-28T23:00:00"),
        utc("2026-03-29T22:00:00"),
    )
    # A shift that began long before the window still counts.
    assert on_call(schedule, utc("2026-03-15T00:00:00")).user == "zed"

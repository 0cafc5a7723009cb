"""Durations and timestamps as people write them: bounded, so arithmetic on them cannot overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onshift.units import (
    FIRST_TIME,
    LAST_TIME,
    MAX_DURATION,
    parse_duration,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5m", timedelta(minutes=5)), ("1h30m", timedelta(minutes=90)), ("36500d", MAX_DURATION)],
)
def test_durations_up_to_a_hundred_years_are_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["36501d", "5215w", "1000000000d", "99999999999999999999ms", "1" + "0" * 5000 + "d"]
)
def test_longer_durations_are_a_value_error_not_an_overflow(text: str) -> None:
    # window: 1000000000d and --step 1000000000d were OverflowError tracebacks.
    with pytest.raises(ValueError, match=r"^a duration must be at most 36500d \(100 years\)"):
        parse_duration(text)


def test_a_long_input_is_cut_short_in_the_message() -> None:
    with pytest.raises(ValueError, match="at most") as info:
        parse_duration("1" * 100 + "d")
    assert str(info.value).endswith(f"got {'1' * 40 + '…'!r}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", FIRST_TIME),
        ("1767225600", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T01:00:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("8999-12-31T23:59:59", datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_times_in_range_are_read(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "inf",
        "-inf",
        "nan",
        "1e20",
        "-1",
        "1969-12-31T23:59:59Z",
        "9000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_times_out_of_range_are_a_value_error_not_an_overflow(text: str) -> None:
    # --at inf and --at 1e20 were OverflowError tracebacks.
    with pytest.raises(ValueError, match="expected a time") as info:
        parse_timestamp(text)
    assert str(info.value) == (
        "expected a time from 1970-01-01T00:00:00Z (Unix seconds 0) to before "
        f"9000-01-01T00:00:00Z, got {text!r}"
    )


def test_any_accepted_time_and_duration_add_up_to_a_time() -> None:
    assert (LAST_TIME - timedelta(seconds=1) + MAX_DURATION).year < 9999
    assert (FIRST_TIME - MAX_DURATION).year > 1

"""The counts CSV reader: formats it accepts and what it says about bad rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from onshift.errors import InputError
from onshift.sources.counts import read_counts_csv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "counts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_counts_csv(path)
    return [p.render() for p in info.value.problems]


def test_iso_times_with_z_offsets_and_naive_utc_name_the_same_instants(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timestamp,good,total\n"
        "2026-01-01T00:01:00Z,9,10\n"
        "2026-01-01T01:02:00+01:00,10,10\n"
        "2026-01-01T00:03:00,8,10\n",
    )
    series = read_counts_csv(path)
    assert series.end.tolist() == [1767225660, 1767225720, 1767225780]
    assert series.step_s == 60
    assert series.bad.tolist() == [1, 0, 2]


def test_unix_seconds_take_the_typed_path_and_keep_exact_counts(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,good,total\n1,5,5\n2,4,5\n3,0,0\n")
    series = read_counts_csv(path)
    assert series.step_s == 1
    assert series.end.dtype == np.int64
    assert series.total.tolist() == [5.0, 5.0, 0.0]


def test_a_missing_column_is_named_on_the_header_line(tmp_path: Path) -> None:
    path = write(tmp_path, "time,good,total\n60,1,1\n")
    assert messages(path) == [
        f"{path}:1: the header must name the columns timestamp,good,total; missing: timestamp"
    ]


def test_header_only_and_missing_file_are_clear(tmp_path: Path) -> None:
    assert messages(write(tmp_path, "timestamp,good,total\n")) == [
        f"{tmp_path / 'counts.csv'}: the file has a header but no rows"
    ]
    assert messages(tmp_path / "nope.csv") == [f"{tmp_path / 'nope.csv'}: file not found"]


def test_every_bad_cell_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timestamp,good,total\n60,1,1\nyesterday,1,1\n180,-1,1\n240,1,\n",
    )
    assert messages(path) == [
        (
            f"{path}:3: timestamp: expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix "
            "seconds, got 'yesterday'"
        ),
        f"{path}:4: good: expected a finite non-negative number, got -1",
        f"{path}:5: total: expected a finite non-negative number, got an empty cell",
    ]


def test_rows_out_of_order_or_off_step_are_refused(tmp_path: Path) -> None:
    backwards = write(tmp_path, "timestamp,good,total\n120,1,1\n60,1,1\n")
    assert messages(backwards) == [
        f"{backwards}:3: timestamp: rows must be in increasing time order, one per interval"
    ]
    fractional = write(tmp_path, "timestamp,good,total\n60.5,1,1\n120.5,1,1\n")
    assert "timestamps must fall on whole seconds, got '60.5'" in messages(fractional)[0]


def test_nan_and_infinite_counts_are_refused_not_summed(tmp_path: Path) -> None:
    # One inf used to be accepted and turned every later window sum into NaN: no data forever.
    typed = write(tmp_path, "timestamp,good,total\n60,1,2\n120,inf,inf\n180,nan,1\n240,1,1e400\n")
    assert messages(typed) == [
        f"{typed}:3: good: expected a finite non-negative number, got inf",
        f"{typed}:3: total: expected a finite non-negative number, got inf",
        f"{typed}:4: good: expected a finite non-negative number, got nan",
        f"{typed}:5: total: expected a finite non-negative number, got inf",
    ]
    text = write(tmp_path, "timestamp,good,total\n60,1,2\n120,x,1\n180,1,inf\n")  # read as text
    assert messages(text) == [
        f"{text}:3: good: expected a finite non-negative number, got 'x'",
        f"{text}:4: total: expected a finite non-negative number, got 'inf'",
    ]


def test_blank_lines_and_multi_line_cells_do_not_shift_reported_lines(tmp_path: Path) -> None:
    # pyarrow skips blank lines and reads a quoted cell across lines; rows are not lines.
    head = 'timestamp,good,total\n2026-01-01T00:01:00Z,1,1\n\n\n"2026-01-01T00:02:00Z\n",1,1\n'
    text = write(tmp_path, head + "2026-01-01T00:03:00Z,x,1\n")  # read as text
    assert messages(text) == [f"{text}:7: good: expected a finite non-negative number, got 'x'"]
    typed = write(tmp_path, "timestamp,good,total\n60,1,1\n\n\n120,5,1\n\n180,-1,1\n")
    assert messages(typed) == [
        f"{typed}:5: good: good (5) is larger than total (1)",
        f"{typed}:7: good: expected a finite non-negative number, got -1",
    ]
    order = write(tmp_path, "timestamp,good,total\n\n120,1,1\n\n60,1,1\n")
    assert messages(order) == [
        f"{order}:5: timestamp: rows must be in increasing time order, one per interval"
    ]


def test_a_row_with_the_wrong_number_of_cells_is_named_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'timestamp,good,total\n60,9,10\n"12\n0",10,10\n\n180,10\n240,1,1,1\n',
    )
    assert messages(path) == [
        f"{path}:6: expected 3 fields like the header, got 2",
        f"{path}:7: expected 3 fields like the header, got 4",
    ]


def test_times_in_two_styles_are_named_as_such_not_as_unreadable(tmp_path: Path) -> None:
    iso_first = write(tmp_path, "timestamp,good,total\n2026-01-01T00:01:00Z,9,10\n1767225720,1,1\n")
    assert messages(iso_first) == [
        (
            f"{iso_first}:3: timestamp: '1767225720' is Unix seconds but the file's first time, "
            "'2026-01-01T00:01:00Z', is ISO-8601; write every timestamp the same way"
        )
    ]
    unix_first = write(
        tmp_path, "timestamp,good,total\n1767225660,9,10\n2026-01-01T00:02:00Z,1,1\n"
    )
    assert messages(unix_first) == [
        (
            f"{unix_first}:3: timestamp: '2026-01-01T00:02:00Z' is ISO-8601 but the file's first "
            "time, '1767225660', is Unix seconds; write every timestamp the same way"
        )
    ]


def test_a_fractional_time_is_shown_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timestamp,good,total\n2026-01-01T00:01:00.5Z,1,1\n2026-01-01T00:02:00.000000001Z,1,1\n"
        "2026-01-01T00:03:00.000Z,1,1\n",
    )
    assert messages(path) == [
        f"{path}:2: timestamp: timestamps must fall on whole seconds, got '2026-01-01T00:01:00.5Z'",
        (
            f"{path}:3: timestamp: timestamps must fall on whole seconds, "
            "got '2026-01-01T00:02:00.000000001Z'"
        ),
    ]


def test_a_nan_time_is_not_a_time_and_an_invalid_count_gets_one_message(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,good,total\n60,1,1\nnan,inf,1\n")
    assert messages(path) == [
        f"{path}:3: timestamp: expected Unix seconds or an ISO-8601 time, got 'nan'",
        f"{path}:3: good: expected a finite non-negative number, got inf",
    ]


def test_a_valid_iso_time_outside_the_range_is_told_so_not_called_unreadable(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "timestamp,good,total\n9999-12-31T23:59:59Z,1,1\n")
    assert messages(path) == [
        (
            f"{path}:2: timestamp: '9999-12-31T23:59:59Z' is outside the supported range, "
            "from 1970-01-01T00:00:00Z to before 9000-01-01T00:00:00Z"
        )
    ]


def test_a_gap_names_the_rows_that_set_the_step(tmp_path: Path) -> None:
    # The first two rows are the ones 120 s apart: the step is what most rows follow.
    path = write(
        tmp_path,
        "timestamp,good,total\n"
        "2026-01-01T00:01:00Z,1,1\n2026-01-01T00:03:00Z,1,1\n2026-01-01T00:04:00Z,1,1\n"
        "2026-01-01T00:05:00Z,1,1\n2026-01-01T00:05:30Z,1,1\n",
    )
    why = (
        "(the most common spacing, first between the rows at 2026-01-01T00:03:00Z and "
        "2026-01-01T00:04:00Z; the first two rows are 120 s apart)"
    )
    assert messages(path) == [
        (
            f"{path}:3: timestamp: this row is 120 s after the previous one; every row must "
            f"be 60 s after the previous {why}"
        ),
        (
            f"{path}:6: timestamp: this row is 30 s after the previous one; every row must "
            f"be 60 s after the previous {why}"
        ),
    ]
    first_two = write(tmp_path, "timestamp,good,total\n60,1,1\n120,1,1\n240,1,1\n300,1,1\n")
    assert messages(first_two) == [
        (
            f"{first_two}:4: timestamp: this row is 120 s after the previous one; every row "
            "must be 60 s after the previous (the step set by the first two rows)"
        )
    ]


def test_with_one_gap_in_three_rows_the_smaller_spacing_is_the_step(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,good,total\n60,1,1\n180,1,1\n240,1,1\n")
    assert messages(path) == [
        (
            f"{path}:3: timestamp: this row is 120 s after the previous one; every row must "
            "be 60 s after the previous (the smallest common spacing, first between the rows at "
            "1970-01-01T00:03:00Z and 1970-01-01T00:04:00Z; the first two rows are 120 s apart)"
        )
    ]


def test_counts_in_milliseconds_are_told_so_not_given_a_step_of_1000m(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,good,total\n1767225660000,1,1\n1767225720000,1,1\n")
    assert messages(path) == [
        (
            f"{path}:2: timestamp: '1767225660000' is outside the supported range, "
            "from 1970-01-01T00:00:00Z to before 9000-01-01T00:00:00Z (looks like milliseconds "
            "since the epoch; give seconds); so is 1 later row"
        )
    ]

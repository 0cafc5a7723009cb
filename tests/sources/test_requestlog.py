"""Request logs (JSONL and CSV) become good/total counts per interval."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.slo.series import CountSeries
from onshift.sources import requestlog
from onshift.sources.requestlog import read_request_log

T0 = 1_790_812_800  # 2026-10-01T00:00:00Z, a whole number of minutes and hours
MISSING = object()  # a key absent from the line (JSONL) or an empty cell (CSV)

SERVER_ERRORS = EventPredicate(bad_if=(Condition(field="status", op=Op.GE, value=500),))


def write_log(path: Path, records: Sequence[Mapping[str, Any]]) -> Path:
    """JSONL or CSV by suffix; MISSING leaves the key out (JSONL) or the cell empty (CSV)."""
    if path.suffix == ".csv":
        columns = list(dict.fromkeys(k for r in records for k in r))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for record in records:
                row = [record.get(c, MISSING) for c in columns]
                writer.writerow(["" if v is MISSING or v is None else v for v in row])
    else:
        lines = [json.dumps({k: v for k, v in r.items() if v is not MISSING}) for r in records]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def rows(series: CountSeries) -> list[tuple[int, float, float]]:
    return [
        (int(e), float(g), float(t))
        for e, g, t in zip(series.end, series.good, series.total, strict=True)
    ]


def problems(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.path, p.message) for p in exc.value.problems]


@pytest.fixture(params=["jsonl", "csv"])
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- bucketing -------------------------------------------------------------------------------


def test_an_event_belongs_to_the_interval_that_starts_at_or_before_it(
    tmp_path: Path, fmt: str
) -> None:
    log = write_log(
        tmp_path / f"log.{fmt}",
        [
            {"timestamp": T0, "status": 200},
            {"timestamp": T0 + 59.999, "status": 503},
            {"timestamp": T0 + 60, "status": 200},
        ],
    )
    series = read_request_log(log, SERVER_ERRORS)
    assert rows(series) == [(T0 + 60, 1.0, 2.0), (T0 + 120, 1.0, 1.0)]
    assert series.step_s == 60


def test_rows_are_contiguous_and_quiet_intervals_are_zero(tmp_path: Path, fmt: str) -> None:
    log = write_log(
        tmp_path / f"log.{fmt}",
        [{"timestamp": T0 + 3 * 60 + 1, "status": 500}, {"timestamp": T0 + 1, "status": 200}],
    )
    assert rows(read_request_log(log, SERVER_ERRORS)) == [
        (T0 + 60, 1.0, 1.0),
        (T0 + 120, 0.0, 0.0),
        (T0 + 180, 0.0, 0.0),
        (T0 + 240, 0.0, 1.0),
    ]


def test_the_step_sets_the_interval_width(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [{"timestamp": T0 + s, "status": 200} for s in (0, 299, 300, 1000)],
    )
    series = read_request_log(log, SERVER_ERRORS, step=timedelta(minutes=5))
    assert rows(series) == [
        (T0 + 300, 2.0, 2.0),
        (T0 + 600, 1.0, 1.0),
        (T0 + 900, 0.0, 0.0),
        (T0 + 1200, 1.0, 1.0),
    ]


@pytest.mark.parametrize("step", [timedelta(milliseconds=1500), timedelta(0)])
def test_a_step_that_is_not_whole_seconds_is_refused(tmp_path: Path, step: timedelta) -> None:
    log = write_log(tmp_path / "log.jsonl", [{"timestamp": T0, "status": 200}])
    with pytest.raises(InputError, match="whole number of seconds") as exc:
        read_request_log(log, SERVER_ERRORS, step=step)
    assert exc.value.problems[0].path == "step"


# --- weights ---------------------------------------------------------------------------------


def test_events_weigh_their_weight_field(tmp_path: Path, fmt: str) -> None:
    predicate = EventPredicate(bad_if=SERVER_ERRORS.bad_if, weight="tokens")
    log = write_log(
        tmp_path / f"log.{fmt}",
        [
            {"timestamp": T0, "status": 200, "tokens": 100},
            {"timestamp": T0 + 1, "status": 503, "tokens": 30},
            {"timestamp": T0 + 61, "status": 200, "tokens": 0.5},
        ],
    )
    assert rows(read_request_log(log, predicate)) == [(T0 + 60, 100.0, 130.0), (T0 + 120, 0.5, 0.5)]


def test_a_line_without_its_weight_is_an_input_error(tmp_path: Path, fmt: str) -> None:
    predicate = EventPredicate(bad_if=SERVER_ERRORS.bad_if, weight="tokens")
    log = write_log(
        tmp_path / f"log.{fmt}",
        [
            {"timestamp": T0, "status": 200, "tokens": 1},
            {"timestamp": T0 + 1, "status": 200, "tokens": MISSING},
        ],
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, predicate)
    assert problems(exc) == [(3 if fmt == "csv" else 2, "tokens", "missing weight value")]


def test_a_negative_weight_is_an_input_error(tmp_path: Path) -> None:
    predicate = EventPredicate(bad_if=SERVER_ERRORS.bad_if, weight="tokens")
    log = write_log(tmp_path / "log.csv", [{"timestamp": T0, "status": 200, "tokens": -2}])
    with pytest.raises(InputError, match=r"log.csv:2: tokens: the weight must be .* got -2$"):
        read_request_log(log, predicate)


# --- operators and values --------------------------------------------------------------------

OP_LOG = [
    {"timestamp": T0 + i, "status": s, "ttft_ms": t, "provider": p}
    for i, (s, t, p) in enumerate(
        [(200, 100.0, "openai"), (404, 2000.0, "google"), (500, 2500.5, "local"), (503, 10, "x")]
    )
]


@pytest.mark.parametrize(
    ("field", "op", "value", "bad"),
    [
        ("status", Op.EQ, 404, 1),
        ("status", Op.NE, 200, 3),
        ("status", Op.LT, 404, 1),
        ("status", Op.LE, 404, 2),
        ("status", Op.GT, 500, 1),
        ("status", Op.GE, 500, 2),
        ("status", Op.IN, (500, 503, 504), 2),
        ("ttft_ms", Op.GT, 2000, 1),
        ("ttft_ms", Op.GE, 2000, 2),
        ("ttft_ms", Op.EQ, 2500.5, 1),
        ("provider", Op.EQ, "local", 1),
        ("provider", Op.NE, "local", 3),
        ("provider", Op.IN, ("openai", "google"), 2),
        # Compared in the column's type: a numeric column casts the condition's text.
        ("status", Op.EQ, "503", 1),
        ("status", Op.IN, ("404", 500), 2),
    ],
)
def test_each_operator_marks_the_matching_events_bad(  # noqa: PLR0917 - one per table column
    tmp_path: Path, fmt: str, field: str, op: Op, value: Any, bad: int
) -> None:
    predicate = EventPredicate(bad_if=(Condition(field=field, op=op, value=value),))
    series = read_request_log(write_log(tmp_path / f"log.{fmt}", OP_LOG), predicate)
    assert (series.bad.sum(), series.total.sum()) == (bad, 4)


def test_an_event_is_bad_when_any_condition_holds(tmp_path: Path, fmt: str) -> None:
    predicate = EventPredicate(
        bad_if=(
            Condition(field="status", op=Op.GE, value=500),
            Condition(field="ttft_ms", op=Op.GE, value=2000),
        )
    )
    series = read_request_log(write_log(tmp_path / f"log.{fmt}", OP_LOG), predicate)
    assert series.bad.sum() == 3


def test_a_text_field_compares_numbers_as_text(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [{"timestamp": T0, "code": "503"}, {"timestamp": T0 + 1, "code": "E42"}],
    )
    for value in (503, 503.0, "503"):
        predicate = EventPredicate(bad_if=(Condition(field="code", op=Op.EQ, value=value),))
        assert read_request_log(log, predicate).bad.sum() == 1


def test_json_booleans_compare_with_booleans_or_their_names(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [{"timestamp": T0, "cached": True}, {"timestamp": T0 + 1, "cached": False}],
    )
    for value in (False, "false"):
        predicate = EventPredicate(bad_if=(Condition(field="cached", op=Op.EQ, value=value),))
        assert read_request_log(log, predicate).bad.sum() == 1


def test_a_condition_value_the_column_cannot_hold_is_an_input_error(tmp_path: Path) -> None:
    predicate = EventPredicate(bad_if=(Condition(field="status", op=Op.EQ, value="oops"),))
    with pytest.raises(InputError) as exc:
        read_request_log(write_log(tmp_path / "log.csv", OP_LOG), predicate)
    # At the log's first value, not at the spec's path against the log file.
    [(line, path, message)] = problems(exc)
    assert (line, path) == (2, "status")
    assert message == (
        "the log's 'status' holds numbers (the first here), but the SLO compares it with "
        "bad_if[0]: == 'oops'"
    )


def test_an_ordered_comparison_casts_a_numeric_text_column(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [{"timestamp": T0, "latency": "12.5"}, {"timestamp": T0 + 1, "latency": "3"}],
    )
    predicate = EventPredicate(bad_if=(Condition(field="latency", op=Op.GT, value=10),))
    assert read_request_log(log, predicate).bad.sum() == 1


def test_an_ordered_comparison_on_text_that_is_no_number_names_the_line(
    tmp_path: Path, fmt: str
) -> None:
    log = write_log(
        tmp_path / f"log.{fmt}",
        [{"timestamp": T0 + i, "latency": v} for i, v in enumerate(["12", "3", "fast", "1"])],
    )
    predicate = EventPredicate(bad_if=(Condition(field="latency", op=Op.GT, value=10),))
    with pytest.raises(InputError) as exc:
        read_request_log(log, predicate)
    assert problems(exc) == [
        (4 if fmt == "csv" else 3, "latency", "'>' compares numbers, got 'fast'")
    ]


# --- nulls -----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", [Op.EQ, Op.NE, Op.LT, Op.GT, Op.IN])
def test_a_null_or_missing_value_never_makes_an_event_bad(tmp_path: Path, fmt: str, op: Op) -> None:
    value: Any = (1, 2) if op is Op.IN else 1
    log = write_log(
        tmp_path / f"log.{fmt}",
        [
            {"timestamp": T0, "status": 200, "score": None},
            {"timestamp": T0 + 1, "status": 200, "score": MISSING},
        ],
    )
    predicate = EventPredicate(bad_if=(Condition(field="score", op=op, value=value),))
    assert rows(read_request_log(log, predicate)) == [(T0 + 60, 2.0, 2.0)]


def test_a_field_null_on_every_line_is_no_error(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", [{"timestamp": T0, "error": None}])
    predicate = EventPredicate(bad_if=(Condition(field="error", op=Op.IN, value=("timeout",)),))
    assert rows(read_request_log(log, predicate)) == [(T0 + 60, 1.0, 1.0)]


def test_an_all_empty_csv_column_compares_with_text_without_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"timestamp,provider\n{T0},\n{T0 + 1},\n")
    predicate = EventPredicate(bad_if=(Condition(field="provider", op=Op.EQ, value="a"),))
    assert rows(read_request_log(log, predicate)) == [(T0 + 60, 2.0, 2.0)]


# --- timestamps ------------------------------------------------------------------------------

STYLES = {
    "unix int": [T0 + 5, T0 + 65, T0 + 130],
    "unix float": [T0 + 5.25, T0 + 65.5, T0 + 130.999],
    "iso with Z": ["2026-10-01T00:00:05Z", "2026-10-01T00:01:05.5Z", "2026-10-01T00:02:10Z"],
    "iso with offset": [
        "2026-10-01T02:00:05+02:00",
        "2026-09-30T19:01:05.123456-05:00",
        "2026-10-01T00:02:10.999999999+00:00",
    ],
    "iso naive means UTC": [
        "2026-10-01T00:00:05",
        "2026-10-01 00:01:05.5",
        "2026-10-01T00:02:10",
    ],
}


@pytest.mark.parametrize("style", list(STYLES))
def test_iso_and_unix_timestamps_give_the_same_series(tmp_path: Path, fmt: str, style: str) -> None:
    records = [
        {"timestamp": ts, "status": s} for ts, s in zip(STYLES[style], (200, 500, 200), strict=True)
    ]
    series = read_request_log(write_log(tmp_path / f"log.{fmt}", records), SERVER_ERRORS)
    assert rows(series) == [(T0 + 60, 1.0, 1.0), (T0 + 120, 0.0, 1.0), (T0 + 180, 1.0, 1.0)]


def test_csv_and_jsonl_of_the_same_requests_give_identical_series(tmp_path: Path) -> None:
    records = [
        {
            "timestamp": f"2026-10-01T00:{i // 60:02d}:{i % 60:02d}Z",
            "status": (200, 429, 503)[i % 3],
            "ttft_ms": i * 7.5,
            "provider": ("a", "b")[i % 2],
            "tokens": i,
        }
        for i in range(0, 600, 7)
    ]
    predicate = EventPredicate(
        bad_if=(
            Condition(field="status", op=Op.IN, value=(429, 503)),
            Condition(field="ttft_ms", op=Op.GT, value=3000),
            Condition(field="provider", op=Op.EQ, value="b"),
        ),
        weight="tokens",
    )
    from_csv = read_request_log(write_log(tmp_path / "log.csv", records), predicate)
    from_jsonl = read_request_log(write_log(tmp_path / "log.jsonl", records), predicate)
    assert rows(from_csv) == rows(from_jsonl)
    assert len(from_csv) == 10


def test_an_unreadable_timestamp_names_its_line(tmp_path: Path, fmt: str) -> None:
    stamps = ["2026-10-01T00:00:05Z", "2026-10-01T00:00:06Z", "yesterday", "2026-10-01T00:00:07"]
    log = write_log(tmp_path / f"log.{fmt}", [{"timestamp": t, "status": 200} for t in stamps])
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    [(line, path, message)] = problems(exc)
    assert (line, path) == ((4 if fmt == "csv" else 3), "timestamp")
    assert message == "expected an ISO-8601 time like the first line, got 'yesterday'"


def test_a_unix_file_with_an_iso_line_names_that_line(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / f"log.{fmt}"
    if fmt == "csv":
        log.write_text(f"timestamp,status\n{T0},200\n2026-10-01T00:00:07Z,200\n")
    else:
        log.write_text(
            f'{{"timestamp": {T0}, "status": 200}}\n'
            '{"timestamp": "2026-10-01T00:00:07Z", "status": 200}\n'
        )
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    [(line, path, message)] = problems(exc)
    assert (line, path) == (3 if fmt == "csv" else 2, "timestamp")
    if fmt == "csv":
        assert message == (
            f"'2026-10-01T00:00:07Z' is ISO-8601 but the file's first time, '{T0}', is Unix "
            "seconds; write every timestamp the same way"
        )
    else:
        assert message == "text here but a number on line 1; a field keeps one type"


def test_an_iso_file_with_a_unix_line_says_the_styles_mix(tmp_path: Path, fmt: str) -> None:
    # Both are times: the line is not wrong on its own, only unlike the first line.
    stamps = ["2026-10-01T00:00:05Z", str(T0 + 7)]
    log = write_log(tmp_path / f"log.{fmt}", [{"timestamp": t, "status": 200} for t in stamps])
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [
        (
            3 if fmt == "csv" else 2,
            "timestamp",
            (
                f"'{T0 + 7}' is Unix seconds but the file's first time, '2026-10-01T00:00:05Z', is "
                "ISO-8601; write every timestamp the same way"
            ),
        )
    ]


def test_iso_times_with_and_without_a_zone_may_mix_and_naive_means_utc(
    tmp_path: Path, fmt: str
) -> None:
    stamps = ["2026-10-01T00:00:05Z", "2026-10-01T00:01:05", "2026-10-01T02:02:05+02:00"]
    log = write_log(tmp_path / f"log.{fmt}", [{"timestamp": t, "status": 200} for t in stamps])
    assert rows(read_request_log(log, SERVER_ERRORS)) == [
        (T0 + 60, 1.0, 1.0),
        (T0 + 120, 1.0, 1.0),
        (T0 + 180, 1.0, 1.0),
    ]


def test_blank_lines_do_not_shift_reported_line_numbers(tmp_path: Path, fmt: str) -> None:
    log = write_log(
        tmp_path / f"log.{fmt}",
        [{"timestamp": t, "status": 200} for t in ("2026-10-01T00:00:05Z", "soon")],
    )
    lines = log.read_text().splitlines()
    log.write_text("\n".join([*lines[:-1], "", "", lines[-1]]) + "\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert [p.line for p in exc.value.problems] == [len(lines) + 2]


def test_a_field_first_seen_after_the_first_megabyte_is_read(tmp_path: Path) -> None:
    padding = "x" * 100
    records: list[dict[str, Any]] = [
        {"timestamp": T0 + i % 60, "pad": padding} for i in range(12_000)
    ]
    records.append({"timestamp": T0 + 61, "pad": padding, "status": 503})
    log = write_log(tmp_path / "log.jsonl", records)
    assert log.stat().st_size > 1 << 20
    assert rows(read_request_log(log, SERVER_ERRORS)) == [
        (T0 + 60, 12_000.0, 12_000.0),
        (T0 + 120, 0.0, 1.0),
    ]


def test_padded_numbers_in_csv_are_still_numbers(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"timestamp,status\n{T0}, 503\n{T0 + 1},200 \n")
    assert rows(read_request_log(log, SERVER_ERRORS)) == [(T0 + 60, 1.0, 2.0)]


def test_a_byte_order_mark_and_windows_line_ends_are_read(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(f"\ufefftimestamp,status\r\n{T0},503\r\n\r\n{T0 + 1},oops\r\n".encode())
    predicate = EventPredicate(bad_if=(Condition(field="status", op=Op.EQ, value="503"),))
    assert rows(read_request_log(log, predicate)) == [(T0 + 60, 1.0, 2.0)]
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(4, "status", "'>=' compares numbers, got 'oops'")]


def test_a_missing_timestamp_names_its_line(tmp_path: Path, fmt: str) -> None:
    log = write_log(
        tmp_path / f"log.{fmt}",
        [{"timestamp": T0, "status": 200}, {"timestamp": MISSING, "status": 200}],
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(3 if fmt == "csv" else 2, "timestamp", "missing timestamp")]


# --- malformed input -------------------------------------------------------------------------


def test_a_malformed_json_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        f'{{"timestamp": {T0}, "status": 200}}\n\n{{"timestamp": {T0}, "status": 2\n'
        f'{{"timestamp": {T0}, "status": 200}}\n'
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    [(line, _, message)] = problems(exc)
    assert line == 3
    assert message.startswith("not valid JSON")


def test_a_line_that_is_not_an_object_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(f'{{"timestamp": {T0}, "status": 200}}\n[1, 2]\n')
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(2, "", "expected a JSON object, one request a line")]


def test_a_field_that_changes_type_is_reported_where_it_changes(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [{"timestamp": T0, "status": 200}, {"timestamp": T0, "status": "500"}],
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [
        (2, "status", "text here but a number on line 1; a field keeps one type")
    ]


def test_a_csv_row_with_too_many_fields_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"timestamp,status\n{T0},200\n{T0},200,extra\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(3, "", "expected 2 fields like the header, got 3")]


def test_a_csv_row_after_a_multi_line_cell_is_reported_where_it_starts(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f'timestamp,status,provider\n{T0},200,"a\nb"\n\n{T0},200,"x\ny",z\n')
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(5, "", "expected 3 fields like the header, got 4")]
    log.write_text(f'timestamp,status,provider\n{T0},200,"a\nb"\n\n{T0},"oo\nps",c\n')
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [(5, "status", "'>=' compares numbers, got 'oo\\nps'")]


@pytest.mark.parametrize("field", ["status", "provider"])
def test_a_json_line_that_repeats_a_field_names_the_line_and_field(
    tmp_path: Path, field: str
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        f'{{"timestamp": {T0}, "status": 200, "provider": "a"}}\n\n'
        f'{{"timestamp": {T0}, "status": 200, "provider": "a", "{field}": 1}}\n'
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert problems(exc) == [
        (3, field, "the field appears more than once on this line; give it once")
    ]


def test_a_field_no_line_has_is_named(tmp_path: Path, fmt: str) -> None:
    predicate = EventPredicate(
        bad_if=(Condition(field="stauts", op=Op.GE, value=500),), weight="tokens"
    )
    log = write_log(tmp_path / f"log.{fmt}", [{"timestamp": T0, "status": 200}])
    with pytest.raises(InputError) as exc:
        read_request_log(log, predicate)
    assert [(p.path, p.line) for p in exc.value.problems] == [
        ("stauts", 1 if fmt == "csv" else None),
        ("tokens", 1 if fmt == "csv" else None),
    ]


@pytest.mark.parametrize("content", ["", "\n\n", "timestamp,status\n"])
def test_an_empty_log_is_an_input_error(tmp_path: Path, content: str) -> None:
    log = tmp_path / "log.csv"
    log.write_text(content)
    with pytest.raises(InputError, match="the log has no requests"):
        read_request_log(log, SERVER_ERRORS)


def test_an_empty_jsonl_log_is_an_input_error(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("\n")
    with pytest.raises(InputError, match="the log has no requests"):
        read_request_log(log, SERVER_ERRORS)


def test_a_missing_file_is_an_input_error(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        read_request_log(tmp_path / f"absent.{fmt}", SERVER_ERRORS)


def test_binary_garbage_is_an_input_error_not_a_pyarrow_exception(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert exc.value.problems[0].line == 1


# --- format detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("requests.ndjson", f'{{"timestamp": {T0}, "status": 503}}\n'),
        ("requests.log", f'\n  {{"timestamp": {T0}, "status": 503}}\n'),
        ("requests.txt", f"timestamp,status\n{T0},503\n"),
    ],
)
def test_the_format_is_detected_by_suffix_then_by_content(
    tmp_path: Path, name: str, content: str
) -> None:
    log = tmp_path / name
    log.write_text(content)
    assert rows(read_request_log(log, SERVER_ERRORS)) == [(T0 + 60, 0.0, 1.0)]


def test_an_explicit_format_overrides_the_suffix(tmp_path: Path) -> None:
    log = tmp_path / "requests.json"
    log.write_text(f"timestamp,status\n{T0},503\n")
    assert rows(read_request_log(log, SERVER_ERRORS, file_format="csv")) == [(T0 + 60, 0.0, 1.0)]


def test_the_module_exports_what_it_documents() -> None:
    assert sorted(requestlog.__all__) == ["FileFormat", "read_request_log"]
    assert all(hasattr(requestlog, name) for name in requestlog.__all__)


# --- properties ------------------------------------------------------------------------------

events = st.lists(
    st.tuples(
        st.floats(0, 4 * 3600, exclude_max=True, allow_nan=False),
        st.sampled_from([200, 404, 500, 503]),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=60,
)


def _records(sample: list[tuple[float, int, int]]) -> list[dict[str, Any]]:
    return [{"timestamp": T0 + t, "status": s, "tokens": n} for t, s, n in sample]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(sample=events, suffix=st.sampled_from([".jsonl", ".csv"]), weighted=st.booleans())
def test_totals_count_every_line_or_sum_every_weight(
    sample: list[tuple[float, int, int]], suffix: str, weighted: bool
) -> None:
    predicate = EventPredicate(bad_if=SERVER_ERRORS.bad_if, weight="tokens" if weighted else None)
    with tempfile.TemporaryDirectory() as tmp:
        series = read_request_log(
            write_log(Path(tmp) / f"log{suffix}", _records(sample)), predicate
        )
    weight = [n if weighted else 1 for _, _, n in sample]
    assert series.total.sum() == sum(weight)
    assert series.bad.sum() == sum(
        w for (_, s, _), w in zip(sample, weight, strict=True) if s >= 500
    )
    assert np.all(series.good >= 0)
    assert np.all(series.good <= series.total)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(sample=events, cut_minute=st.integers(0, 4 * 60))
def test_splitting_a_log_at_a_boundary_and_adding_the_parts_changes_nothing(
    sample: list[tuple[float, int, int]], cut_minute: int
) -> None:
    predicate = EventPredicate(bad_if=SERVER_ERRORS.bad_if, weight="tokens")
    # Split on the very float that is written, so rounding cannot move an event across the cut.
    before = [e for e in sample if T0 + e[0] < T0 + cut_minute * 60]
    after = [e for e in sample if T0 + e[0] >= T0 + cut_minute * 60]
    with tempfile.TemporaryDirectory() as tmp:
        whole = read_request_log(write_log(Path(tmp) / "all.jsonl", _records(sample)), predicate)
        added: dict[int, tuple[float, float]] = {}
        for i, part in enumerate((before, after)):
            if part:
                series = read_request_log(
                    write_log(Path(tmp) / f"part{i}.jsonl", _records(part)), predicate
                )
                for end, good, total in rows(series):
                    assert end not in added  # the parts never share an interval
                    added[end] = (good, total)
    assert {e: (g, t) for e, g, t in rows(whole) if t > 0} == {
        e: v for e, v in added.items() if v[1] > 0
    }


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    sample=st.lists(
        st.tuples(
            st.floats(0, 4 * 3600, exclude_max=True, allow_nan=False),
            st.one_of(st.none(), st.sampled_from([200, 429, 503])),
            st.sampled_from(["a", "b", None, MISSING]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_csv_and_jsonl_agree_on_any_log_with_gaps_and_nulls(
    sample: list[tuple[float, int | None, Any]],
) -> None:
    predicate = EventPredicate(
        bad_if=(
            Condition(field="status", op=Op.GE, value=500),
            Condition(field="status", op=Op.IN, value=(429,)),
            Condition(field="provider", op=Op.EQ, value="a"),
        )
    )
    records = [{"timestamp": T0 + t, "status": s, "provider": p} for t, s, p in sample]
    # A CSV header names its fields even when every cell is empty; a JSONL line has to.
    records.append({"timestamp": T0, "status": 200, "provider": "b"})
    with tempfile.TemporaryDirectory() as tmp:
        from_csv = read_request_log(write_log(Path(tmp) / "log.csv", records), predicate)
        from_jsonl = read_request_log(write_log(Path(tmp) / "log.jsonl", records), predicate)
    assert rows(from_csv) == rows(from_jsonl)
    assert from_csv.bad.sum() == sum(
        1 for _, s, p in sample if (s is not None and s >= 429) or p == "a"
    )

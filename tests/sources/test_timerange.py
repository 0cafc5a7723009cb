"""Times outside 1970-01-01T00:00:00Z … 9000-01-01T00:00:00Z (exclusive) are bad input at their
line, with a hint when they look like a finer unit since the epoch; never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.sources.counts import read_counts_csv
from onshift.sources.requestlog import read_request_log
from tests.conftest import EXAMPLES, CliResult

RANGE = "is outside the supported range, from 1970-01-01T00:00:00Z to before 9000-01-01T00:00:00Z"
MS = " (looks like milliseconds since the epoch; give seconds)"
US = " (looks like microseconds since the epoch; give seconds)"
NS = " (looks like nanoseconds since the epoch; give seconds)"
LAST = 221_845_391_999  # 8999-12-31T23:59:59Z
SERVER_ERRORS = EventPredicate(bad_if=(Condition(field="status", op=Op.GE, value=500),))


def counts_problems(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InputError) as info:
        read_counts_csv(path)
    return [(p.line, p.path, p.message) for p in info.value.problems]


def log_problems(path: Path, predicate: EventPredicate = SERVER_ERRORS, **kw: object) -> list[str]:
    with pytest.raises(InputError) as info:
        read_request_log(path, predicate, **kw)  # type: ignore[arg-type]
    return [p.render() for p in info.value.problems]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1767225660000", f"'1767225660000' {RANGE}{MS}"),
        ("1767225660000000", f"'1767225660000000' {RANGE}{US}"),
        ("1767225660000000000", f"'1767225660000000000' {RANGE}{NS}"),
        ("1e20", f"'1e20' {RANGE}{NS}"),
        ("1e21", f"'1e21' {RANGE}"),
        ("-100000000000000", f"'-100000000000000' {RANGE}"),
        ("1960-01-01T00:00:00Z", f"'1960-01-01T00:00:00Z' {RANGE}"),
        ("9000-01-01T00:00:00Z", f"'9000-01-01T00:00:00Z' {RANGE}"),
        ("9999-12-31T23:59:59Z", f"'9999-12-31T23:59:59Z' {RANGE}"),
        ("8999-12-31T23:59:59-01:00", f"'8999-12-31T23:59:59-01:00' {RANGE}"),
        ("inf", "expected Unix seconds or an ISO-8601 time, got 'inf'"),
        ("-inf", "expected Unix seconds or an ISO-8601 time, got '-inf'"),
        ("nan", "expected Unix seconds or an ISO-8601 time, got 'nan'"),
    ],
)
def test_a_counts_time_outside_the_range_is_named_at_its_line(
    tmp_path: Path, cell: str, message: str
) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(f"timestamp,good,total\n{cell},1,1\n", encoding="utf-8")
    assert counts_problems(path) == [(2, "timestamp", message)]


def test_a_counts_file_in_milliseconds_gets_one_message_not_one_per_row(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    rows = "".join(f"{1767225660000 + 60_000 * i},1,1\n" for i in range(50))
    path.write_text(f"timestamp,good,total\n{rows}", encoding="utf-8")
    assert counts_problems(path) == [
        (2, "timestamp", f"'1767225660000' {RANGE}{MS}; so are 49 later rows")
    ]


def test_the_last_second_before_9000_and_the_epoch_are_within_the_range(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(
        "timestamp,good,total\n8999-12-31T23:58:59Z,1,1\n8999-12-31T23:59:59Z,1,1\n",
        encoding="utf-8",
    )
    assert read_counts_csv(path).end.tolist() == [LAST - 60, LAST]
    path.write_text("timestamp,good,total\n0,1,1\n60,1,1\n", encoding="utf-8")
    assert read_counts_csv(path).end.tolist() == [0, 60]


@pytest.mark.parametrize(
    ("line", "shown", "hint"),
    [
        ('{"timestamp": 1767225610123, "status": 200}', "1767225610123", MS),
        ('{"timestamp": 1e15, "status": 200}', "1000000000000000", US),
        ('{"timestamp": -1, "status": 200}', "-1", ""),
        ('{"timestamp": "1960-01-01T00:00:00Z", "status": 200}', "1960-01-01T00:00:00Z", ""),
    ],
)
def test_a_jsonl_time_outside_the_range_is_named_at_its_line(
    tmp_path: Path, line: str, shown: str, hint: str
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(f'{{"timestamp": 1767225600, "status": 200}}\n\n{line}\n', encoding="utf-8")
    if line.count('"') == 6:  # ISO text: the whole file must use it
        log.write_text(f'{{"timestamp": "2026-01-01T00:00:00Z", "status": 200}}\n\n{line}\n')
    assert log_problems(log) == [f"{log}:3: timestamp: {shown} {RANGE}{hint}"]


def test_a_csv_log_time_outside_the_range_is_named_at_its_line(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("timestamp,status\n1767225600,200\n1e20,500\n1e21,500\n", encoding="utf-8")
    assert log_problems(log) == [f"{log}:3: timestamp: 1e+20 {RANGE}{NS}; so is 1 later row"]


def test_a_request_whose_interval_would_end_at_9000_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"timestamp": "8999-12-31T23:58:30Z", "status": 200}\n'
        '{"timestamp": "8999-12-31T23:59:30Z", "status": 200}\n',
        encoding="utf-8",
    )
    assert log_problems(log) == [
        (
            f"{log}:2: timestamp: '8999-12-31T23:59:30Z' falls in a 60 s interval that ends "
            "at or after 9000-01-01T00:00:00Z, the end of the supported range"
        )
    ]
    log.write_text('{"timestamp": "8999-12-31T23:58:30Z", "status": 503}\n', encoding="utf-8")
    series = read_request_log(log, SERVER_ERRORS)
    assert series.end.tolist() == [LAST - 59]
    assert series.bad.tolist() == [1.0]


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_iso_times_past_2262_are_read_at_microseconds(tmp_path: Path, suffix: str) -> None:
    # Nanoseconds since the epoch end in 2262; the range goes on to 9000.
    stamps = ["2300-01-01T00:00:05Z", "2300-01-01T01:00:10+01:00", "2300-01-01T00:01:00"]
    log = tmp_path / f"log.{suffix}"
    if suffix == "csv":
        log.write_text("timestamp,status\n" + "".join(f"{t},503\n" for t in stamps))
    else:
        log.write_text("".join(f'{{"timestamp": "{t}", "status": 503}}\n' for t in stamps))
    series = read_request_log(log, SERVER_ERRORS)
    assert series.end.tolist() == [10_413_792_060, 10_413_792_120]
    assert series.bad.tolist() == [2.0, 1.0]


Run = Callable[..., CliResult]


@pytest.mark.parametrize("command", [("slo", "report"), ("alerts", "replay")])
def test_millisecond_logs_and_infinite_counts_are_bad_input_not_tracebacks(
    run_cli: Run, tmp_path: Path, command: tuple[str, str]
) -> None:
    slo = EXAMPLES / "agent-availability.yaml"
    log = tmp_path / "ms.jsonl"
    log.write_text('{"timestamp": 1767225610123, "status": 200}\n', encoding="utf-8")
    result = run_cli(*command, slo, "--events", log)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: {log}:1: timestamp: 1767225610123 {RANGE}{MS}\n"
    counts = tmp_path / "inf.csv"
    counts.write_text("timestamp,good,total\ninf,1,1\n", encoding="utf-8")
    result = run_cli(*command, slo, "--counts", counts)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: {counts}:2: timestamp: expected Unix seconds or an ISO-8601 time, got 'inf'\n"
    )

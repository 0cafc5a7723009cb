"""Bytes that are not UTF-8 are refused at their line and field, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.sources.counts import read_counts_csv
from onshift.sources.requestlog import read_request_log

T0 = 1_790_812_800
SERVER_ERRORS = EventPredicate(bad_if=(Condition(field="status", op=Op.GE, value=500),))
MODEL_X = EventPredicate(bad_if=(Condition(field="model", op=Op.EQ, value="x"),))


def located(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str]]:
    return [(p.line, p.path) for p in exc.value.problems]


@pytest.mark.parametrize(
    ("lines", "predicate", "where"),
    [
        pytest.param(
            [b'{"timestamp": %d, "status": "\xff"}' % T0],
            SERVER_ERRORS,
            [(1, "status")],
            id="a status compared with a number",
        ),
        pytest.param(
            [b'{"timestamp": "2026-01-01T00:00:1\xff", "status": 500}'],
            SERVER_ERRORS,
            [(1, "timestamp")],
            id="a byte inside the timestamp",
        ),
        pytest.param(
            [
                *[b'{"timestamp": %d, "model": "a"}' % (T0 + i) for i in range(40)],
                b"",
                b'{"timestamp": %d, "model": "b\xc3"}' % (T0 + 50),
                b'{"timestamp": %d, "model": "\xfe"}' % (T0 + 51),
            ],
            MODEL_X,
            [(42, "model")],
            id="the first bad line of many, after a blank line",
        ),
    ],
)
def test_a_jsonl_value_that_is_not_utf8_is_refused_at_its_line(
    tmp_path: Path,
    lines: list[bytes],
    predicate: EventPredicate,
    where: list[tuple[int, str]],
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, predicate)
    assert located(exc) == where
    assert "not UTF-8" in exc.value.problems[0].message


def test_bytes_that_are_not_utf8_in_a_field_the_slo_does_not_read_are_ignored(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'{"timestamp": %d, "status": 500, "note": "\xff"}\n' % T0)
    assert float(read_request_log(log, SERVER_ERRORS).total.sum()) == 1


def test_a_jsonl_line_that_arrow_refuses_names_the_field_that_is_not_utf8(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(
        b'{"timestamp": %d, "model": "a", "note": "\xff"}\n'
        b'{"timestamp": %d, "model": "\xff"}\n'
        b'{"timestamp": %d, "model": 5}\n' % (T0, T0 + 1, T0 + 2)
    )
    with pytest.raises(InputError) as exc:
        read_request_log(log, MODEL_X)
    assert located(exc) == [(2, "model"), (3, "model")]
    assert "not UTF-8" in exc.value.problems[0].message


@pytest.mark.parametrize("column", ["status", "timestamp"])
def test_a_request_log_csv_cell_that_is_not_utf8_is_refused_at_its_line(
    tmp_path: Path, column: str
) -> None:
    log = tmp_path / "log.csv"
    rows = [b"timestamp,status,note", *[b"%d,200,\xff" % (T0 + i) for i in range(5)]]
    bad = b"%d,\xff,ok" % (T0 + 9) if column == "status" else b"\xff,200,ok"
    log.write_bytes(b"\n".join([*rows, bad]) + b"\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    assert located(exc) == [(7, column)]
    assert "not UTF-8" in exc.value.problems[0].message


def test_a_counts_csv_cell_that_is_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_bytes(b"timestamp,good,total\n%d,1,1\n%d,\xff\xfe,1\n" % (T0, T0 + 60))
    with pytest.raises(InputError) as exc:
        read_counts_csv(counts)
    assert located(exc) == [(3, "good")]
    assert "byte 0xff at position 0" in exc.value.problems[0].message

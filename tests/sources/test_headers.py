"""A CSV header that names a column the reader needs twice is refused at line 1: which of the
two holds the data is a guess, and guessing gives silently wrong numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.sources.counts import read_counts_csv
from onshift.sources.requestlog import read_request_log

T0 = 1_790_812_800
SERVER_ERRORS = EventPredicate(bad_if=(Condition(field="status", op=Op.GE, value=500),))


def problems(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.path, p.message) for p in exc.value.problems]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            "timestamp,good,total,good",
            [(1, "good", "the header names the column 'good' 2 times (columns 2, 4)")],
            id="good twice",
        ),
        pytest.param(
            "timestamp,timestamp,good,total,total,total",
            [
                (1, "timestamp", "the header names the column 'timestamp' 2 times (columns 1, 2)"),
                (1, "total", "the header names the column 'total' 3 times (columns 4, 5, 6)"),
            ],
            id="two columns repeated",
        ),
        pytest.param(
            "timestamp,timestamp,x",
            [
                (1, "timestamp", "the header names the column 'timestamp' 2 times (columns 1, 2)"),
                (1, "", "the header must name the columns timestamp,good,total; missing: good"),
            ],
            id="repeated and missing columns, all at once",
        ),
    ],
)
def test_a_counts_header_that_repeats_a_column_is_refused(
    tmp_path: Path, header: str, expected: list[tuple[int, str, str]]
) -> None:
    width = header.count(",") + 1
    counts = tmp_path / "counts.csv"
    counts.write_text(f"{header}\n" + ",".join([str(T0), *["1"] * (width - 1)]) + "\n")
    with pytest.raises(InputError) as exc:
        read_counts_csv(counts)
    assert [(line, path, message.split(";")[0]) for line, path, message in problems(exc)] == [
        (line, path, message.split(";")[0]) for line, path, message in expected
    ]


def test_a_counts_header_may_repeat_a_column_the_reader_does_not_need(tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_text(f"timestamp,good,total,x,x\n{T0},1,2,a,b\n")
    assert float(read_counts_csv(counts).total.sum()) == 2


@pytest.mark.parametrize("header", ["timestamp,status,status", "timestamp,timestamp,status"])
def test_a_request_log_header_that_repeats_a_column_the_slo_reads_is_refused(
    tmp_path: Path, header: str
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"{header}\n{T0},200,500\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, SERVER_ERRORS)
    [(line, path, message)] = problems(exc)
    assert (line, path) == (1, header.split(",")[1])
    assert "2 times" in message


def test_a_request_log_header_may_repeat_a_column_the_slo_does_not_read(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"timestamp,status,note,note\n{T0},500,a,b\n")
    assert float(read_request_log(log, SERVER_ERRORS).good.sum()) == 0

"""Counts and weights stay within what float64 sums keep exact (every one and the file's total
at most 2**53): beyond it small counts vanish next to a large one, and an outage reads as "no
data", or sums overflow to inf and nan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.sources.counts import read_counts_csv
from onshift.sources.requestlog import read_request_log

T0 = 1_790_812_800
LIMIT = 2**53
WEIGHTED = EventPredicate(bad_if=(Condition(field="status", op=Op.GE, value=500),), weight="tokens")


def located(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str]]:
    return [(p.line, p.path) for p in exc.value.problems]


def counts_file(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "counts.csv"
    lines = [f"{T0 + 60 * i},{good},{total}" for i, (good, total) in enumerate(rows)]
    path.write_text("timestamp,good,total\n" + "\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        pytest.param(
            [("1e19", "1e19"), *[("0", "1000")] * 119], [(2, "total")], id="an outage after 1e19"
        ),
        pytest.param(
            [("1e308", "1e308"), ("0", "1e308")], [(2, "total"), (3, "total")], id="near overflow"
        ),
        pytest.param([("1e17", "1e17"), ("x", "1")], [(2, "total"), (3, "good")], id="text path"),
        pytest.param([(str(LIMIT + 2), "1e300")], [(2, "total")], id="good and total too big"),
        pytest.param(
            [("0", str(LIMIT // 2)), ("0", str(LIMIT // 2 - 10)), ("0", "1000"), ("0", "1")],
            [(4, "total")],
            id="the file total passes 2**53 on the third row",
        ),
    ],
)
def test_counts_larger_than_float64_sums_keep_exact_are_refused(
    tmp_path: Path, rows: list[tuple[str, str]], where: list[tuple[int, str]]
) -> None:
    with pytest.raises(InputError) as exc:
        read_counts_csv(counts_file(tmp_path, rows))
    assert located(exc) == where
    assert "2**53" in exc.value.problems[0].message


def test_counts_up_to_2_to_the_53_in_all_are_read_exactly(tmp_path: Path) -> None:
    rows = [(str(LIMIT - 1000 - 7), str(LIMIT - 1000)), ("990", "1000")]
    series = read_counts_csv(counts_file(tmp_path, rows))
    assert float(series.total.sum()) == LIMIT
    assert float((series.total - series.good)[-1]) == 10


def write_jsonl(path: Path, tokens: list[float]) -> Path:
    lines = [
        json.dumps({"timestamp": T0 + i, "status": 200, "tokens": t}) for i, t in enumerate(tokens)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("tokens", "line", "says"),
    [
        pytest.param([1.0, 1e308, 1e308], 2, "larger than 2**53", id="near overflow"),
        pytest.param([1.0, float(LIMIT + 2)], 2, "larger than 2**53", id="just past 2**53"),
        pytest.param(
            [float(LIMIT // 2), 5.0, float(LIMIT // 2), 7.0], 3, "add up to", id="their sum"
        ),
    ],
)
def test_weights_larger_than_float64_sums_keep_exact_are_refused(
    tmp_path: Path, tokens: list[float], line: int, says: str
) -> None:
    with pytest.raises(InputError) as exc:
        read_request_log(write_jsonl(tmp_path / "log.jsonl", tokens), WEIGHTED)
    assert located(exc) == [(line, "tokens")]
    assert says in exc.value.problems[0].message


def test_weights_up_to_2_to_the_53_in_all_are_counted_exactly(tmp_path: Path) -> None:
    series = read_request_log(
        write_jsonl(tmp_path / "log.jsonl", [float(LIMIT - 10), 10.0]), WEIGHTED
    )
    assert float(np.sum(series.total)) == LIMIT

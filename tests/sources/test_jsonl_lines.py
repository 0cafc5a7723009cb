"""Every JSONL problem the reader finds is located at a line and field of the log, never
reported without a line or under a spec path against the log file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onshift.errors import InputError
from onshift.slo.model import Condition, EventPredicate, Op
from onshift.sources.requestlog import read_request_log

T0 = 1_790_812_800
AVAILABILITY = EventPredicate(
    bad_if=(
        Condition(field="status", op=Op.GE, value=500),
        Condition(field="status", op=Op.EQ, value=429),
    )
)
WEIGHTED = EventPredicate(bad_if=AVAILABILITY.bad_if, weight="tokens")


def problems(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.path, p.message) for p in exc.value.problems]


def refused(tmp_path: Path, lines: list[str], predicate: EventPredicate) -> list[Any]:
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        read_request_log(log, predicate)
    return problems(exc)


TOO_LARGE = "is too large for a float64 number (at most about 1.8e308)"


@pytest.mark.parametrize(
    ("field", "literal", "says"),
    [
        ("status", "1e400", TOO_LARGE),
        ("status", "-2e999", TOO_LARGE),
        ("note", "[1, 1e400]", TOO_LARGE),
        # pyarrow reads a long integer as inf, and nan as nan: neither may decide good or bad.
        ("status", "9" * 400, "expected a finite number, got inf (a number beyond float64)"),
        ("status", "NaN", "expected a finite number, got nan"),
    ],
)
def test_a_number_beyond_float64_is_refused_at_its_line(
    tmp_path: Path, field: str, literal: str, says: str
) -> None:
    lines = [
        f'{{"timestamp": {T0}, "status": 200}}',
        "",
        f'{{"timestamp": {T0 + 1}, "{field}": {literal}}}',
    ]
    [(line, path, message)] = refused(tmp_path, lines, AVAILABILITY)
    assert (line, path) == (3, field)
    assert message.endswith(says)


def test_a_weight_beyond_float64_is_refused_at_its_line(tmp_path: Path) -> None:
    line = f'{{"timestamp": {T0}, "status": 200, "tokens": 1e400}}'
    assert refused(tmp_path, [line], WEIGHTED) == [
        (1, "tokens", "1e400 is too large for a float64 number (at most about 1.8e308)")
    ]


@pytest.mark.parametrize(("value", "got"), [('{"a": 1}', "an object"), ("[500]", "a list")])
def test_a_nested_value_is_refused_at_the_first_line_that_has_one(
    tmp_path: Path, value: str, got: str
) -> None:
    lines = [
        f'{{"timestamp": {T0}}}',
        f'{{"timestamp": {T0 + 1}, "status": null}}',
        f'{{"timestamp": {T0 + 2}, "status": {value}}}',
    ]
    assert refused(tmp_path, lines, AVAILABILITY) == [
        (3, "status", f"expected a number, text or true/false, got {got}")
    ]


def test_true_false_compared_with_numbers_is_one_problem_at_the_first_boolean_line(
    tmp_path: Path,
) -> None:
    lines = [
        f'{{"timestamp": {T0}}}',
        f'{{"timestamp": {T0 + 1}, "status": true}}',
        f'{{"timestamp": {T0 + 2}, "status": false}}',
    ]
    assert refused(tmp_path, lines, AVAILABILITY) == [
        (
            2,
            "status",
            (
                "the log's 'status' holds true/false (the first here), but the SLO compares "
                "it with bad_if[0]: >= 500, bad_if[1]: == 429"
            ),
        )
    ]


def test_a_boolean_weight_is_refused_at_the_first_boolean_line(tmp_path: Path) -> None:
    lines = [
        f'{{"timestamp": {T0}, "status": 200}}',
        f'{{"timestamp": {T0 + 1}, "status": 200, "tokens": true}}',
    ]
    assert refused(tmp_path, lines, WEIGHTED) == [
        (2, "tokens", "the weight must be a number, got true/false")
    ]

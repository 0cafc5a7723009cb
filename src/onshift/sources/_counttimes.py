"""The timestamp column of a counts CSV: whole seconds, one style, a uniform step.

The typed path only accepts; anything it doubts goes to the text path, which sees each cell as
written and says what is wrong with it. Problems are per data row; the reader locates them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onshift.sources._arrow import as_float64, as_int64
from onshift.sources._rows import MAX_PROBLEMS, RowProblem
from onshift.sources._timerange import END_SECOND, FIRST_SECOND, out_of_range
from onshift.units import to_iso

__all__ = ["step_of", "text_timestamps", "typed_timestamps"]

I64 = npt.NDArray[np.int64]
Style = Literal["Unix seconds", "ISO-8601"]
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_FRACTION = re.compile(r"[.,]\d*[1-9]")  # only an ISO time's seconds hold a '.' or ','
_ANY = "expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds"


def typed_timestamps(column: Any) -> I64 | None:
    """Whole seconds within the supported range, or ``None`` when any value is not (empty,
    fractional, out of range, not a time): the text path then names each at its line."""
    seconds = None if column.null_count else _typed_seconds(column)
    if seconds is None or not FIRST_SECOND <= seconds.min() <= seconds.max() < END_SECOND:
        return None
    return seconds


def _typed_seconds(column: Any) -> I64 | None:
    import pyarrow as pa
    import pyarrow.types as pat

    if pat.is_integer(column.type):
        return as_int64(column)
    if pat.is_floating(column.type):
        values = as_float64(column)
        # min/max propagate nan: one comparison refuses nan, inf and 1e20 before any cast.
        whole = (
            FIRST_SECOND <= values.min() <= values.max() < END_SECOND
            and not (values != np.floor(values)).any()
        )
        return values.astype(np.int64) if whole else None
    if pat.is_timestamp(column.type):
        per_second = _PER_SECOND[column.type.unit]
        raw = as_int64(column.cast(pa.int64()))  # the instant in the column's unit, any zone
        return None if (raw % per_second).any() else raw // per_second
    return None


def _read(text: str) -> tuple[Style, float, bool] | None:
    """The style, the seconds and whether they have a fraction; ``None`` if no time at all."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        return "Unix seconds", value, bool(np.isfinite(value)) and not value.is_integer()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # a naive time means UTC
    # datetime keeps microseconds; the text also shows a nanosecond fraction.
    return "ISO-8601", parsed.timestamp(), bool(_FRACTION.search(text))


def text_timestamps(cells: list[str | None], problems: list[RowProblem]) -> I64 | None:
    """Each cell as seconds, or ``None`` after recording what is wrong with each bad one.

    The first time in the file sets its style. One message covers every time outside the
    range: a file in milliseconds would otherwise repeat it on every row."""
    texts = [(c or "").strip() for c in cells]
    read = [_read(text) for text in texts]
    finite = (
        (got[0], text) for got, text in zip(read, texts, strict=True) if got and np.isfinite(got[1])
    )
    first = next(finite, None)
    seconds = np.zeros(len(texts))
    found: list[RowProblem] = []
    outside: list[int] = []
    tail: list[RowProblem] = []
    for row, (text, got) in enumerate(zip(texts, read, strict=True)):
        message = _message(text, got, first)
        if message:
            found.append(RowProblem(row=row, path="timestamp", message=message))
        elif got is not None and not FIRST_SECOND <= got[1] < END_SECOND:
            outside.append(row)
        elif got is not None:
            seconds[row] = got[1]
    if outside:
        row = outside[0]
        got = read[row]
        assert got is not None
        number = got[1] if got[0] == "Unix seconds" else None
        message = out_of_range(repr(texts[row]), number, more=len(outside) - 1)
        tail.append(RowProblem(row=row, path="timestamp", message=message))
    problems.extend([*found[:MAX_PROBLEMS], *tail])
    return None if found or tail else seconds.astype(np.int64)


def _message(
    text: str, got: tuple[Style, float, bool] | None, first: tuple[Style, str] | None
) -> str:
    if got is None:
        return f"{_ANY}, got {repr(text) if text else 'an empty cell'}"
    style, value, fractional = got
    if not np.isfinite(value):
        return f"expected Unix seconds or an ISO-8601 time, got {text!r}"
    if first is not None and style != first[0]:
        return (
            f"{text!r} is {style} but the file's first time, {first[1]!r}, is {first[0]}; "
            "write every timestamp the same way"
        )
    if fractional:
        return f"timestamps must fall on whole seconds, got {text!r}"
    return ""


def step_of(end: I64, problems: list[RowProblem]) -> int:
    """The spacing of the rows: the most common one (the smallest of a tie). A missing row or
    two cannot change it, where taking the first two rows' spacing blamed every row after a
    gap at the start."""
    if len(end) < 2:
        return 60  # a single row has no step; one minute is the common one
    diffs = np.diff(end)
    if diffs[0] > 0 and (diffs == diffs[0]).all():
        return int(diffs[0])  # the common case: no sort to find the most common spacing
    for index in np.flatnonzero(diffs <= 0)[:MAX_PROBLEMS]:
        message = (
            "this row has the same time as the previous one; one row per interval"
            if diffs[index] == 0
            else "rows must be in increasing time order, one per interval"
        )
        problems.append(RowProblem(row=int(index) + 1, path="timestamp", message=message))
    forward = diffs[diffs > 0]
    if not len(forward):
        return 1
    values, counts = np.unique(forward, return_counts=True)
    step = int(values[np.argmax(counts)])  # argmax takes the first, so the smallest of a tie
    if diffs[0] == step:
        why = "the step set by the first two rows"
    else:
        at = int(np.flatnonzero(diffs == step)[0])
        common = "most common" if (counts == counts.max()).sum() == 1 else "smallest common"
        why = (
            f"the {common} spacing, first between the rows at {to_iso(_instant(end[at]))} and "
            f"{to_iso(_instant(end[at + 1]))}"
        )
        if diffs[0] > 0:
            why += f"; the first two rows are {int(diffs[0])} s apart"
    for index in np.flatnonzero((diffs > 0) & (diffs != step))[:MAX_PROBLEMS]:
        message = (
            f"this row is {int(diffs[index])} s after the previous one; every row must be "
            f"{step} s after the previous ({why})"
        )
        problems.append(RowProblem(row=int(index) + 1, path="timestamp", message=message))
    return step


def _instant(seconds: np.int64) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)

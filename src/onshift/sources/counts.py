"""Counts CSV: ``timestamp,good,total``, one row per uniform interval, timestamp = interval END.

Timestamps are whole Unix seconds or ISO-8601 times within 1970-01-01T00:00:00Z …
9999-12-31T23:59:59Z (``_timerange``); the first row decides which of the two the file uses.

Read with pyarrow, the project's columnar reader (chosen in ``bench/bench_ingest.py``). A
well-formed file takes the typed fast path (2.6 M rows in a fraction of a second); a file with
cells that do not parse is read again as text, to name every bad cell with its line.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from onshift.errors import InputError
from onshift.slo.series import CountSeries
from onshift.sources._arrow import as_bool, as_float64, as_int64, scalar_of
from onshift.sources._rows import MAX_PROBLEMS, RowProblem, csv_width_problems, locate
from onshift.sources._timerange import FIRST_SECOND, LAST_SECOND, out_of_range

__all__ = ["read_counts_csv"]

_COLUMNS = ("timestamp", "good", "total")
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _raise(path: Path, problems: list[RowProblem]) -> None:
    if problems:  # rows become lines only now: blank lines and multi-line cells are no rows
        raise InputError(locate(path, "csv", problems))


def read_counts_csv(path: Path | str) -> CountSeries:
    """Read and validate a counts CSV; every problem becomes one message with its line."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    file = str(path)
    if not Path(path).is_file():
        what = "is a directory, not a CSV file" if Path(path).is_dir() else "file not found"
        raise InputError.single(what, file=file)
    problems: list[RowProblem] = []
    try:
        table = pcsv.read_csv(
            pa.memory_map(file),
            convert_options=pcsv.ConvertOptions(
                column_types={"good": pa.float64(), "total": pa.float64()},
                null_values=[""],  # arrow's default list takes 'nan' and 'NULL' for empty
            ),
        )
        _check_header(table.column_names, table.num_rows, file)
        end = _typed_timestamps(table.column("timestamp"))
        if end is None:  # some value needs a closer look: read the cells as written
            end = _text_timestamps(_timestamp_cells(file), problems)
        good = _typed_numbers(table.column("good"), "good", problems)
        total = _typed_numbers(table.column("total"), "total", problems)
    except pa.ArrowInvalid:
        end, good, total = _read_as_text(Path(path), problems)
    except OSError as exc:
        raise InputError.single(f"cannot read the file: {exc}", file=file) from exc

    with np.errstate(invalid="ignore"):
        over = np.flatnonzero(good > total)
    for index in over[:MAX_PROBLEMS]:
        problems.append(
            RowProblem(
                row=int(index),
                path="good",
                message=f"good ({good[index]:g}) is larger than total ({total[index]:g})",
            )
        )
    if end is None:
        _raise(Path(path), problems)
    assert end is not None
    step = _step(end, problems)
    _raise(Path(path), problems)
    return CountSeries(end=end, good=good, total=total, step_s=step)


def _check_header(names: list[str], rows: int, file: str) -> None:
    missing = [c for c in _COLUMNS if c not in names]
    if missing:
        raise InputError.single(
            f"the header must name the columns timestamp,good,total; missing: {', '.join(missing)}",
            file=file,
            line=1,
        )
    if rows == 0:
        raise InputError.single("the file has a header but no rows", file=file)


def _typed_timestamps(column: Any) -> I64 | None:
    """Whole seconds within the supported range, or ``None`` when any value is not (empty,
    fractional, out of range, not a time): the text path then names each at its line."""
    seconds = None if column.null_count else _typed_seconds(column)
    if seconds is None or not FIRST_SECOND <= seconds.min() <= seconds.max() <= LAST_SECOND:
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
            FIRST_SECOND <= values.min() <= values.max() <= LAST_SECOND
            and not (values != np.floor(values)).any()
        )
        return values.astype(np.int64) if whole else None
    if pat.is_timestamp(column.type):
        per_second = _PER_SECOND[column.type.unit]
        raw = as_int64(column.cast(pa.int64()))  # the instant in the column's unit, any zone
        return None if (raw % per_second).any() else raw // per_second
    return None


def _timestamp_cells(file: str) -> list[str | None]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        pa.memory_map(file),
        convert_options=pcsv.ConvertOptions(
            include_columns=["timestamp"],
            column_types={"timestamp": pa.string()},
            strings_can_be_null=False,
        ),
    )
    cells: list[str | None] = table.column("timestamp").to_pylist()
    return cells


def _typed_numbers(column: Any, name: str, problems: list[RowProblem]) -> F64:
    import pyarrow.compute as pc

    empty = as_bool(pc.is_null(column)) if column.null_count else None
    values = as_float64(pc.fill_null(column, scalar_of(float("nan"), "float64")))
    # nan, inf and 1e400 parse as floats but are not counts: one would poison every later sum.
    valid = np.isfinite(values) & (values >= 0)
    if not valid.all():
        for index in np.flatnonzero(~valid)[:MAX_PROBLEMS]:
            value = values[index]
            shown = "an empty cell" if empty is not None and empty[index] else f"{value:g}"
            problems.append(
                RowProblem(
                    row=int(index),
                    path=name,
                    message=f"expected a finite non-negative number, got {shown}",
                )
            )
    return values


def _read_as_text(path: Path, problems: list[RowProblem]) -> tuple[Any, F64, F64]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    file = str(path)
    try:
        table = pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in _COLUMNS}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        found = [] if isinstance(exc, OSError) else csv_width_problems(path)
        if found:  # the reader's own message names the row's text, not its line
            raise InputError(found) from exc
        text = "".join(c if c.isprintable() else "?" for c in str(exc))[:160]
        raise InputError.single(f"not a readable CSV file: {text}", file=file) from exc
    _check_header(table.column_names, table.num_rows, file)
    end = _text_timestamps(table.column("timestamp").to_pylist(), problems)
    good = _text_numbers(table.column("good").to_pylist(), "good", problems)
    total = _text_numbers(table.column("total").to_pylist(), "total", problems)
    return end, good, total


def _shown(value: str | None) -> str:
    return "an empty cell" if not value else repr(value)


def _text_numbers(cells: list[str | None], name: str, problems: list[RowProblem]) -> F64:
    out = np.empty(len(cells))
    for index, cell in enumerate(cells):
        try:
            value = float((cell or "").strip())
        except ValueError:
            value = -1.0
        if not (math.isfinite(value) and value >= 0):
            problems.append(
                RowProblem(
                    row=index,
                    path=name,
                    message=f"expected a finite non-negative number, got {_shown(cell)}",
                )
            )
        out[index] = value
    return out


def _parse_time(cell: str, numeric: bool) -> float:
    if numeric:
        return float(cell)
    parsed = datetime.fromisoformat(cell.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _text_timestamps(cells: list[str | None], problems: list[RowProblem]) -> I64 | None:
    texts = [(c or "").strip() for c in cells]
    try:
        float(texts[0])
        numeric = True  # the first row sets the style: Unix seconds
    except ValueError:
        numeric = False
    seconds = np.empty(len(texts))
    failed = False
    for index, text in enumerate(texts):
        try:
            seconds[index] = _parse_time(text, numeric)
        except ValueError:
            failed = True
            problems.append(
                RowProblem(
                    row=index,
                    path="timestamp",
                    message="expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds, "
                    f"got {_shown(cells[index])}",
                )
            )
    return None if failed else _whole_seconds(seconds, texts, numeric, problems)


def _whole_seconds(
    seconds: F64, texts: list[str], numeric: bool, problems: list[RowProblem]
) -> I64 | None:
    """Whole seconds in the supported range; ``None`` after naming each row that is not."""
    found: list[RowProblem] = []

    def problem(index: int, message: str) -> None:
        found.append(RowProblem(row=index, path="timestamp", message=message))

    finite = np.isfinite(seconds)
    for index in np.flatnonzero(~finite)[:MAX_PROBLEMS]:
        problem(int(index), f"expected Unix seconds or an ISO-8601 time, got {texts[index]!r}")
    outside = finite & ((seconds < FIRST_SECOND) | (seconds >= LAST_SECOND + 1))
    # One message for a file of milliseconds, not one per row.
    (rows,) = np.nonzero(outside)
    if len(rows):
        index = int(rows[0])
        number = float(seconds[index]) if numeric else None
        problem(index, out_of_range(repr(texts[index]), number, more=len(rows) - 1))
    fractional = finite & ~outside & (seconds != np.floor(seconds))
    for index in np.flatnonzero(fractional)[:MAX_PROBLEMS]:
        problem(int(index), f"timestamps must fall on whole seconds, got {seconds[index]:g}")
    problems.extend(found)
    return None if found else seconds.astype(np.int64)


def _step(end: I64, problems: list[RowProblem]) -> int:
    if len(end) < 2:
        return 60  # a single row has no step; one minute is the common one
    diffs = np.diff(end)
    step = int(diffs[0])
    if step < 1:
        problems.append(
            RowProblem(
                row=1,
                path="timestamp",
                message="rows must be in increasing time order, one per interval",
            )
        )
        return step
    for index in np.flatnonzero(diffs != step)[:MAX_PROBLEMS]:
        gap = int(diffs[index])
        problems.append(
            RowProblem(
                row=int(index) + 1,
                path="timestamp",
                message=f"this row is {gap} s after the previous one; every row must be "
                f"{step} s after the previous (the step set by the first two rows)",
            )
        )
    return step

"""Counts CSV: ``timestamp,good,total``, one row per uniform interval, timestamp = interval END.

Timestamps are whole Unix seconds or ISO-8601 times from 1970-01-01T00:00:00Z to before
9000-01-01T00:00:00Z (``_timerange``); the first time decides which of the two the file uses.

Read with pyarrow, the project's columnar reader (chosen in ``bench/bench_ingest.py``). A
well-formed file takes the typed fast path (2.6 M rows in a fraction of a second); a file with
cells that do not parse is read again as text, to name every bad cell with its line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from onshift.errors import InputError, Problem
from onshift.slo.series import CountSeries
from onshift.sources._arrow import as_bool, as_float64, scalar_of
from onshift.sources._counttimes import step_of, text_timestamps, typed_timestamps
from onshift.sources._limits import MAX_COUNT, over_max, total_over_max
from onshift.sources._rows import (
    MAX_PROBLEMS,
    RowProblem,
    csv_utf8_problems,
    csv_width_problems,
    duplicate_columns,
    locate,
)

__all__ = ["read_counts_csv"]

_COLUMNS = ("timestamp", "good", "total")
F64 = npt.NDArray[np.float64]


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
        end = typed_timestamps(table.column("timestamp"))
        if end is None:  # some value needs a closer look: read the cells as written
            end = text_timestamps(_timestamp_cells(file), problems)
        good = _typed_numbers(table.column("good"), "good", problems)
        total = _typed_numbers(table.column("total"), "total", problems)
    except pa.ArrowInvalid:
        end, good, total = _read_as_text(Path(path), problems)
    except OSError as exc:
        raise InputError.single(f"cannot read the file: {exc}", file=file) from exc

    if not _plainly_fine(good, total):
        problems += _count_problems(good, total)
    if end is None:
        _raise(Path(path), problems)
    assert end is not None
    step = step_of(end, problems)
    _raise(Path(path), problems)
    return CountSeries(end=end, good=good, total=total, step_s=step)


def _plainly_fine(good: F64, total: F64) -> bool:
    """Every count finite, ≥ 0, within the bound, good ≤ total and the file total within the
    bound, by whole-array reductions (nan fails every comparison): the usual case costs no
    per-row masks."""
    if not len(total):
        return True
    return bool(
        min(good.min(), total.min()) >= 0
        and max(good.max(), total.max()) <= MAX_COUNT
        and not (good > total).any()
        and total.sum() <= MAX_COUNT
    )


def _count_problems(good: F64, total: F64) -> list[RowProblem]:
    # Only between valid counts: an invalid one has its own message.
    valid = np.isfinite(good) & np.isfinite(total) & (good >= 0) & (total >= 0)
    found = [
        RowProblem(
            row=int(index),
            path="good",
            message=f"good ({good[index]:g}) is larger than total ({total[index]:g})",
        )
        for index in np.flatnonzero(valid & (good > total))[:MAX_PROBLEMS]
    ]
    return found + _too_large(good, total, valid)


def _too_large(good: F64, total: F64, valid: npt.NDArray[np.bool_]) -> list[RowProblem]:
    """Counts and a file total within what float64 sums keep exact (``_limits``)."""
    big_total = np.isfinite(total) & (total > MAX_COUNT)
    # A good count that large is only news where the row's total is not also too large.
    big_good = np.isfinite(good) & (good > MAX_COUNT) & ~big_total
    found = [
        RowProblem(row=int(index), path=name, message=over_max(float(values[index]), "the count"))
        for name, values, big in (("good", good, big_good), ("total", total, big_total))
        for index in np.flatnonzero(big)[:MAX_PROBLEMS]
    ]
    if found or not valid.all():
        return found  # the sum needs every count valid; the others have their own messages
    over = total_over_max(total, "total", "totals")  # good ≤ total on every valid row
    return [] if over is None else [over]


def _check_header(names: list[str], rows: int, file: str) -> None:
    problems = duplicate_columns(file, names, _COLUMNS)
    missing = [c for c in _COLUMNS if c not in names]
    if missing:
        message = (
            f"the header must name the columns timestamp,good,total; missing: {', '.join(missing)}"
        )
        problems.append(Problem(file=file, line=1, message=message))
    if problems:
        raise InputError(problems)
    if rows == 0:
        raise InputError.single("the file has a header but no rows", file=file)


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
    # Two reductions clear the usual case (nan fails both); the rows are looked for only then.
    if len(values) and not (values.min() >= 0 and np.isfinite(values.max())):
        valid = np.isfinite(values) & (values >= 0)
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
        found = found or ([] if isinstance(exc, OSError) else csv_utf8_problems(path))
        if found:  # the reader's own message names the row's text, not its line
            raise InputError(found) from exc
        text = "".join(c if c.isprintable() else "?" for c in str(exc))[:160]
        raise InputError.single(f"not a readable CSV file: {text}", file=file) from exc
    _check_header(table.column_names, table.num_rows, file)
    end = text_timestamps(table.column("timestamp").to_pylist(), problems)
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

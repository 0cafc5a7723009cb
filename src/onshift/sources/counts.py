"""Counts CSV: ``timestamp,good,total``, one row per uniform interval, timestamp = interval END."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from onshift.errors import InputError, Problem
from onshift.slo.series import CountSeries

__all__ = ["read_counts_csv"]

_COLUMNS = ("timestamp", "good", "total")
_MAX_PROBLEMS = 20


def _line(index: int) -> int:
    return index + 2  # header is line 1


def read_counts_csv(path: Path | str) -> CountSeries:
    """Read and validate a counts CSV; every problem becomes one message with its line.

    Well-formed files take a typed fast path (2.6 M rows in well under a second); a file with
    unparseable cells is read again as text to say exactly which cells are wrong.
    """
    import polars as pl

    file = str(path)
    try:
        frame = pl.read_csv(path, schema_overrides={"good": pl.Float64, "total": pl.Float64})
    except FileNotFoundError:
        raise InputError.single("file not found", file=file) from None
    except OSError as exc:
        raise InputError.single(f"cannot read the file: {exc}", file=file) from exc
    except pl.exceptions.PolarsError:
        frame = _read_as_text(path, file)
    _check_header(frame, file)
    problems: list[Problem] = []
    stamp = frame["timestamp"]
    if stamp.dtype.is_integer() and stamp.null_count() == 0:
        end = stamp.cast(pl.Int64).to_numpy()
    elif stamp.dtype.is_numeric() and stamp.null_count() == 0:
        end = _whole_seconds(stamp.cast(pl.Float64).to_numpy(), frame, file, problems)
    else:
        end = _timestamps(frame["timestamp"].cast(pl.String), file, problems)
    good = _numbers(frame["good"], "good", file, problems)
    total = _numbers(frame["total"], "total", file, problems)
    with np.errstate(invalid="ignore"):
        over = np.flatnonzero(good > total)
    for index in over[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path="good",
                message=f"good ({good[index]:g}) is larger than total ({total[index]:g})",
            )
        )
    if end is None:
        raise InputError(sorted(problems, key=lambda p: p.line or 0)[:_MAX_PROBLEMS])
    step = _step(end, file, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0)[:_MAX_PROBLEMS])
    return CountSeries(end=end, good=good, total=total, step_s=step)


def _read_as_text(path: Path | str, file: str) -> Any:
    import polars as pl

    try:
        return pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError.single(f"not a readable CSV file: {exc}", file=file) from exc


def _check_header(frame: Any, file: str) -> None:
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise InputError.single(
            f"the header must name the columns timestamp,good,total; missing: {', '.join(missing)}",
            file=file,
            line=1,
        )
    if frame.height == 0:
        raise InputError.single("the file has a header but no rows", file=file)


def _whole_seconds(seconds: Any, frame: Any, file: str, problems: list[Problem]) -> Any:
    fractional = np.flatnonzero(seconds != np.floor(seconds))
    for index in fractional[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path="timestamp",
                message="timestamps must fall on whole seconds, "
                f"got {frame['timestamp'][int(index)]}",
            )
        )
    return seconds.astype(np.int64)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "an empty cell"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _numbers(column: Any, name: str, file: str, problems: list[Problem]) -> Any:
    import polars as pl

    if column.dtype.is_numeric():
        values = column.cast(pl.Float64)
        if values.null_count() == 0:
            array = values.to_numpy()
            if (array >= 0).all():  # NaN fails this too
                return array
    else:
        values = column.str.strip_chars().cast(pl.Float64, strict=False)
    bad = (values.is_null() | values.is_nan() | (values < 0)).fill_null(value=True)
    for index in np.flatnonzero(bad.to_numpy())[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path=name,
                message=f"expected a non-negative number, got {_shown(column[int(index)])}",
            )
        )
    return np.asarray(values.to_numpy(), dtype=np.float64)


def _timestamps(column: Any, file: str, problems: list[Problem]) -> Any:
    import polars as pl

    text = column.str.strip_chars()
    numeric = text.cast(pl.Float64, strict=False)
    if numeric[0] is not None:  # the first row sets the style: Unix seconds
        seconds = numeric.to_numpy()
    else:
        # A naive time means UTC; give every value an explicit offset so one format fits all.
        zoned = text.str.replace(r"Z$", "+00:00")
        zoned = (
            pl.DataFrame({"t": zoned})
            .select(
                pl.when(pl.col("t").str.contains(r"[+-]\d\d:?\d\d$"))
                .then(pl.col("t"))
                .otherwise(pl.col("t") + "+00:00")
            )
            .to_series()
        )
        parsed = zoned.str.to_datetime(time_zone="UTC", time_unit="us", strict=False)
        seconds = parsed.dt.epoch("us").cast(pl.Float64).to_numpy() / 1e6
    bad = np.isnan(seconds)
    for index in np.flatnonzero(bad)[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path="timestamp",
                message="expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds, "
                f"got {_shown(column[int(index)])}",
            )
        )
    if bad.any():
        return None
    return _whole_seconds(seconds, {"timestamp": column}, file, problems)


def _step(end: Any, file: str, problems: list[Problem]) -> int:
    if len(end) < 2:
        return 60
    diffs = np.diff(end)
    step = int(diffs[0])
    if step < 1:
        problems.append(
            Problem(
                file=file,
                line=3,
                path="timestamp",
                message="rows must be in increasing time order, one per interval",
            )
        )
        return step
    for index in np.flatnonzero(diffs != step)[:_MAX_PROBLEMS]:
        gap = int(diffs[index])
        problems.append(
            Problem(
                file=file,
                line=_line(int(index) + 1),
                path="timestamp",
                message=f"this row is {gap} s after the previous one; every row must be "
                f"{step} s after the previous (the step set by the first two rows)",
            )
        )
    return step

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
    """Read and validate a counts CSV; every problem becomes one message with its line."""
    import polars as pl

    file = str(path)
    try:
        frame = pl.read_csv(
            path,
            schema_overrides={"timestamp": pl.String, "good": pl.String, "total": pl.String},
            infer_schema=False,
        )
    except FileNotFoundError:
        raise InputError.single("file not found", file=file) from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError.single(f"not a readable CSV file: {exc}", file=file) from exc

    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise InputError.single(
            f"the header must name the columns timestamp,good,total; missing: {', '.join(missing)}",
            file=file,
            line=1,
        )
    if frame.height == 0:
        raise InputError.single("the file has a header but no rows", file=file)

    problems: list[Problem] = []
    end = _timestamps(frame["timestamp"], file, problems)
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


def _numbers(column: Any, name: str, file: str, problems: list[Problem]) -> Any:
    import polars as pl

    values = column.str.strip_chars().cast(pl.Float64, strict=False)
    bad = (values.is_null() | values.is_nan() | (values < 0)).fill_null(value=True)
    for index in np.flatnonzero(bad.to_numpy())[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path=name,
                message=f"expected a non-negative number, got {column[int(index)]!r}",
            )
        )
    return values.to_numpy().astype(np.float64)


def _timestamps(column: Any, file: str, problems: list[Problem]) -> Any:
    import polars as pl

    text = column.str.strip_chars()
    numeric = text.cast(pl.Float64, strict=False)
    if numeric.null_count() == 0:
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
                f"got {column[int(index)]!r}",
            )
        )
    if bad.any():
        return None
    fractional = np.flatnonzero(seconds != np.floor(seconds))
    for index in fractional[:_MAX_PROBLEMS]:
        problems.append(
            Problem(
                file=file,
                line=_line(int(index)),
                path="timestamp",
                message="timestamps must fall on whole seconds",
            )
        )
    return seconds.astype(np.int64)


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

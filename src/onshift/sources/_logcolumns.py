"""Columns of a request log as numbers: timestamps, the bad-event mask and weights.

Works on pyarrow columns (typed ``Any``: pyarrow ships no stubs) and returns numpy arrays.
Problems are reported per row index; the caller maps rows to file lines, which needs a second
pass over the file and so happens only when something is wrong.

Comparison semantics (documented in ``onshift.sources.requestlog``): a column is numeric when
every value is a number (JSON numbers, or CSV text that parses as one), boolean when it holds
JSON ``true``/``false``, text otherwise. ``==``, ``!=`` and ``in`` compare in the column's type,
casting the condition's value; ordered comparisons need numbers and cast a text column.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onshift.slo.model import Condition, EventPredicate, Op, Scalar
from onshift.sources._arrow import array_of, as_bool, as_float64, chunk_views, scalar_of
from onshift.sources._limits import MAX_COUNT, over_max, total_over_max
from onshift.sources._rows import RowProblem
from onshift.sources._timerange import END_SECOND, FIRST_SECOND, out_of_range, shown_number

__all__ = ["Columns", "Instants", "bad_mask", "timestamp_instants", "weights"]

Kind = Literal["number", "text", "bool", "null"]
_ZONE = r"(Z|[+-]\d\d(:?\d\d)?)$"
_AS = {"Unix seconds": "Unix seconds", "ISO-8601": "an ISO-8601 time"}
Cast = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Instants:
    """Every row's time as whole multiples of ``1 / per_second`` s since the Unix epoch, in
    parts that follow the rows end to end: the parsed column's own chunks where it has them
    (read-only views, no copy), so that 10 M timestamps need no 80 MB array of their own."""

    parts: list[npt.NDArray[np.int64]]
    per_second: int


class _Failed(Exception):
    """Internal: a column could not be used; its problems are already recorded."""


class _Mismatch(Exception):
    """Internal: the log's values of a field cannot compare with a condition's value."""

    def __init__(self, row: int, kind: Kind) -> None:
        super().__init__(kind)
        self.row = row
        self.kind = kind


_KIND_SHOWN: dict[Kind, str] = {"number": "numbers", "text": "text", "bool": "true/false"}


def _first_failure(column: Any, cast: Cast) -> tuple[int, Any] | None:
    """Row index and value of the first non-null value that ``cast`` rejects."""
    import pyarrow as pa

    offset = 0
    for chunk in column.chunks:
        try:
            cast(chunk)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            for i, value in enumerate(chunk):
                if value.is_valid:
                    try:
                        cast(pa.array([value.as_py()], type=chunk.type))
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                        return offset + i, value.as_py()
        offset += len(chunk)
    return None


def _first_valid(column: Any) -> int:
    import pyarrow.compute as pc

    return int(np.flatnonzero(as_bool(pc.is_valid(column)))[0])


def _first_null(column: Any) -> int | None:
    import pyarrow.compute as pc

    if column.null_count == 0:
        return None
    return int(np.flatnonzero(as_bool(pc.is_null(column)))[0])


def _to_float(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return column.cast(pa.float64())
    except pa.ArrowInvalid:
        # CSV writers sometimes pad numbers. Trimming copies the column, so first make sure a
        # text column ("openai", …) is not what failed.
        if not _is_number(pc.drop_null(column)[:1].to_pylist()):
            raise
        return pc.utf8_trim_whitespace(column).cast(pa.float64())


def _is_number(values: list[Any]) -> bool:
    try:
        float(values[0])
    except (IndexError, ValueError):
        return False
    return True


def _kind(column: Any) -> Kind:
    import pyarrow.types as pat

    if pat.is_null(column.type) or column.null_count == len(column):
        return "null"  # an all-empty CSV column is no more numeric than textual
    if pat.is_boolean(column.type):
        return "bool"
    if pat.is_integer(column.type) or pat.is_floating(column.type):
        return "number"
    return "text"


class Columns:
    """The log's columns, each typed once; in CSV, text that is all numbers becomes numbers."""

    def __init__(self, table: Any, *, text_may_be_numbers: bool) -> None:
        self._table = table
        self._text_may_be_numbers = text_may_be_numbers
        self._typed: dict[str, tuple[Kind, Any]] = {}
        self._finite: dict[str, bool] = {}

    @property
    def rows(self) -> int:
        return int(self._table.num_rows)

    def get(self, name: str) -> tuple[Kind, Any]:
        import pyarrow as pa

        if name not in self._typed:
            column = self._table[name]
            kind = _kind(column)
            if kind == "text" and self._text_may_be_numbers:
                with contextlib.suppress(pa.ArrowInvalid):
                    column, kind = _to_float(column), "number"
            elif kind == "number":
                column = column.cast(pa.float64())
            self._typed[name] = (kind, column)
        return self._typed[name]

    def check_finite(self, name: str, column: Any, problems: list[RowProblem]) -> None:
        """Compared numbers must be finite: nan never matches and a JSON number beyond float64
        reads as inf, so either would silently decide good or bad. Recorded once a field."""
        import pyarrow.compute as pc

        if name not in self._finite:
            # One vectorised sum: finite unless some value is not (or finite ones overflow,
            # which the exact check below then clears).
            total = pc.sum(column).as_py()
            self._finite[name] = total is None or math.isfinite(total)
            if not self._finite[name]:
                bad = pc.fill_null(
                    pc.invert(pc.is_finite(column)), scalar_of(value=False, arrow_type="bool")
                )
                rows = np.flatnonzero(as_bool(bad))
                self._finite[name] = not len(rows)
                if len(rows):
                    value = float(column[int(rows[0])].as_py())
                    shown = "nan" if math.isnan(value) else f"{value:g} (a number beyond float64)"
                    message = f"expected a finite number, got {shown}"
                    problems.append(RowProblem(row=int(rows[0]), path=name, message=message))
        if not self._finite[name]:
            raise _Failed

    def numbers(self, name: str, problems: list[RowProblem], why: str) -> Any:
        """The column as float64, or record the first value that is not a number."""
        import pyarrow as pa

        kind, column = self.get(name)
        if kind == "number":
            return column
        if kind == "text":
            failure = _first_failure(column, _to_float)
            if failure is None:
                return _to_float(column)
            row, value = failure
            problems.append(RowProblem(row=row, path=name, message=f"{why}, got {value!r}"))
        elif kind == "null":
            return column.cast(pa.float64())
        else:
            row = _first_valid(column)
            problems.append(RowProblem(row=row, path=name, message=f"{why}, got true/false"))
        raise _Failed


def timestamp_instants(column: Any, problems: list[RowProblem]) -> Instants | None:
    """Every row's instant, or ``None`` after recording the first bad row.

    The first value sets the style: Unix seconds, ISO-8601 with a zone, or ISO-8601 without
    one (which means UTC). Unix seconds are floored to whole seconds, which loses nothing:
    every step is a whole number of seconds.
    """
    import pyarrow as pa
    import pyarrow.types as pat

    missing = _first_null(column)
    if missing is not None:
        problems.append(RowProblem(row=missing, path="timestamp", message="missing timestamp"))
        return None
    if pat.is_timestamp(column.type):
        return _timestamps_to_instants(column)
    if _kind(column) == "number":
        return _floor_seconds(column.cast(pa.float64()), problems)
    if _kind(column) != "text":
        problems.append(
            RowProblem(row=0, path="timestamp", message="expected ISO-8601 text or Unix seconds")
        )
        return None
    return _text_seconds(column, problems)


def _text_seconds(column: Any, problems: list[RowProblem]) -> Instants | None:
    import pyarrow as pa

    first = column[0].as_py() if len(column) else ""
    styles: list[tuple[str, Cast]] = [("Unix seconds", _to_float), ("ISO-8601", _iso)]

    def reads(value: Any, cast: Cast) -> bool:
        try:
            cast(array_of([value], column.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return True

    for style, cast in styles:
        if not reads(first, cast):
            continue
        try:
            parsed = cast(column)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            failure = _first_failure(column, cast)
            row, value = failure if failure is not None else (0, first)
            (other, other_cast) = next(s for s in styles if s[0] != style)
            if reads(value, other_cast):
                message = (
                    f"{value!r} is {other} but the file's first time, {first!r}, is {style}; "
                    "write every timestamp the same way"
                )
            else:
                message = f"expected {_AS[style]} like the first line, got {value!r}"
            problems.append(RowProblem(row=row, path="timestamp", message=message))
            return None
        if style == "Unix seconds":
            return _floor_seconds(parsed, problems)
        return _timestamps_to_instants(parsed)
    problems.append(
        RowProblem(
            row=0,
            path="timestamp",
            message="expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds, "
            f"got {first!r}",
        )
    )
    return None


def _iso(column: Any) -> Any:
    """ISO-8601 text as UTC instants, in nanoseconds where they reach (years 1677…2262) and in
    microseconds beyond (the range ends in 9000)."""
    import pyarrow as pa

    try:
        return _iso_in(column, "ns")
    except pa.ArrowInvalid:
        return _iso_in(column, "us")


def _iso_in(column: Any, unit: str) -> Any:
    """A value without a zone means UTC, even among zoned ones."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with contextlib.suppress(pa.ArrowInvalid):
        return column.cast(pa.timestamp(unit, tz="UTC"))
    with contextlib.suppress(pa.ArrowInvalid):
        return column.cast(pa.timestamp(unit))
    zoned = pc.match_substring_regex(column, _ZONE)
    nothing = scalar_of(None, column.type)
    with_zone = pc.if_else(zoned, column, nothing).cast(pa.timestamp(unit, tz="UTC"))
    without = pc.if_else(zoned, nothing, column).cast(pa.timestamp(unit))
    return pc.if_else(zoned, with_zone.cast(pa.timestamp(unit)), without)


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _timestamps_to_instants(column: Any) -> Instants:
    import pyarrow as pa

    # The instant in the column's own unit, whatever the zone: a free cast, no copy.
    parts = chunk_views(column.cast(pa.int64()), pa.int64(), np.int64)
    return Instants(parts, _PER_SECOND[column.type.unit])


def _floor_seconds(column: Any, problems: list[RowProblem]) -> Instants | None:
    values = as_float64(column)
    # min/max propagate nan: two reductions refuse nan, inf and 1e20 before any cast.
    if len(values) and not FIRST_SECOND <= values.min() <= values.max() < END_SECOND:
        valid = (values >= FIRST_SECOND) & (values < END_SECOND)
        (rows,) = np.nonzero(~valid)
        row = int(rows[0])
        value = float(values[row])
        if np.isfinite(value):
            message = out_of_range(shown_number(value), value, more=len(rows) - 1)
        else:
            message = f"expected Unix seconds, got {value:g}"
        problems.append(RowProblem(row=row, path="timestamp", message=message))
        return None
    return Instants([np.floor(values).astype(np.int64)], 1)


def _number_value(value: Scalar) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _text_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bool_value(value: Scalar) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(value)


_CONVERT: dict[Kind, Callable[[Scalar], Any]] = {
    "number": _number_value,
    "text": _text_value,
    "bool": _bool_value,
}
_ARROW_TYPE = {"number": "float64", "text": "string", "bool": "bool"}


def _condition(columns: Columns, cond: Condition, problems: list[RowProblem]) -> Any:
    """Where ``cond`` holds; null or missing values never satisfy it."""
    import pyarrow.compute as pc

    kind, column = columns.get(cond.field)
    if cond.op in (Op.LT, Op.LE, Op.GT, Op.GE):
        if kind == "bool":
            raise _Mismatch(_first_valid(column), kind)
        column = columns.numbers(cond.field, problems, f"'{cond.op.value}' compares numbers")
        kind = "number"
    if kind == "null":
        return None
    if kind == "number":
        columns.check_finite(cond.field, column, problems)
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    try:
        cast = [_CONVERT[kind](v) for v in values]
    except ValueError:
        raise _Mismatch(_first_valid(column), kind) from None
    functions = {
        Op.EQ: "equal",
        Op.NE: "not_equal",
        Op.LT: "less",
        Op.LE: "less_equal",
        Op.GT: "greater",
        Op.GE: "greater_equal",
    }
    if cond.op is Op.IN:
        hit = pc.is_in(column, value_set=array_of(list(cast), _ARROW_TYPE[kind]))
    else:
        hit = pc.call_function(functions[cond.op], [column, scalar_of(cast[0], _ARROW_TYPE[kind])])
    return pc.fill_null(hit, scalar_of(value=False, arrow_type="bool"))


def bad_mask(
    columns: Columns, predicate: EventPredicate, problems: list[RowProblem]
) -> npt.NDArray[np.bool_] | None:
    """True where any condition of ``bad_if`` holds; ``None`` after recording problems."""
    import pyarrow.compute as pc

    mask: Any = None
    failed = False
    # One problem per field, at its first value, naming every condition it fails.
    mismatched: dict[str, tuple[_Mismatch, list[str]]] = {}
    for i, cond in enumerate(predicate.bad_if):
        try:
            hit = _condition(columns, cond, problems)
        except _Failed:
            failed = True
            continue
        except _Mismatch as exc:
            failed = True
            condition = f"bad_if[{i}]: {cond.op.value} {cond.value!r}"
            mismatched.setdefault(cond.field, (exc, []))[1].append(condition)
            continue
        if hit is not None:
            mask = hit if mask is None else pc.or_(mask, hit)
    for field, (mismatch, conditions) in mismatched.items():
        message = (
            f"the log's '{field}' holds {_KIND_SHOWN[mismatch.kind]} (the first here), but "
            f"the SLO compares it with {', '.join(conditions)}"
        )
        problems.append(RowProblem(row=mismatch.row, path=field, message=message))
    if failed:
        return None
    if mask is None:
        return np.zeros(columns.rows, dtype=np.bool_)
    return as_bool(pc.fill_null(mask, scalar_of(value=False, arrow_type="bool")))


def weights(
    columns: Columns, name: str, problems: list[RowProblem]
) -> npt.NDArray[np.float64] | None:
    """Each event's weight: a finite, non-negative number on every line."""
    try:
        column = columns.numbers(name, problems, "the weight must be a number")
    except _Failed:
        return None
    missing = _first_null(column)
    if missing is not None:
        problems.append(RowProblem(row=missing, path=name, message="missing weight value"))
        return None
    values = as_float64(column)
    # Two reductions refuse nan (it fails both), ±inf, negatives and weights beyond what float64
    # sums keep exact; the rows are looked for only then.
    if len(values) and not (values.min() >= 0 and values.max() <= MAX_COUNT):
        invalid = np.flatnonzero(~((values >= 0) & (values <= MAX_COUNT)))
        row = int(invalid[0])
        value = float(values[row])
        message = (
            over_max(value, "the weight")
            if value > MAX_COUNT and np.isfinite(value)
            else f"the weight must be a finite number ≥ 0, got {value:g}"
        )
        problems.append(RowProblem(row=row, path=name, message=message))
        return None
    over = total_over_max(values, name, "weights")
    if over is not None:
        problems.append(over)
        return None
    return values

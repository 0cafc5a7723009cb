"""Reading request-log files into pyarrow tables, and locating problems at their lines.

Each reader tries a fast typed read first (the reader parses timestamps and numbers itself,
on every core) and falls back to reading text, where ``_logcolumns`` can check and locate every
value. Locating rows at file lines needs a second pass, so it happens only on failure.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from onshift.errors import InputError, Problem
from onshift.sources._arrow import as_bool, first_invalid_utf8, scalar_of
from onshift.sources._rows import (
    MAX_PROBLEMS,
    RowProblem,
    csv_utf8_problems,
    csv_width_problems,
    duplicate_columns,
    locate,
    not_utf8,
)

__all__ = ["read_csv", "read_jsonl"]

_HEAD_BYTES = 1 << 20


def read_csv(path: Path, names: tuple[str, ...], numeric: frozenset[str]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    file = str(path)
    try:
        # Bytes that are not UTF-8 become U+FFFD here: the reader refuses them in the columns
        # it reads, and csv_utf8_problems then names their lines.
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            first = next((row for row in reader if row), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError.single(f"cannot read the file: {exc}", file=file) from exc
    if not header or first is None:
        raise InputError.single("the log has no requests", file=file)
    problems = duplicate_columns(file, header, names)
    have = ", ".join(header)
    problems += [
        Problem(file=file, line=1, path=n, message=f"no column {n!r} (columns: {have})")
        for n in names
        if n not in header
    ]
    if problems:
        raise InputError(problems)
    # Fast path: let the multi-threaded reader parse timestamps and numbers itself. Anything it
    # refuses is read again as text, where every value can be checked and located.
    stamp = header.index("timestamp")
    fast = dict.fromkeys(numeric, pa.float64())
    fast["timestamp"] = _timestamp_type(first[stamp] if stamp < len(first) else "")
    try:
        return pcsv.read_csv(pa.memory_map(str(path)), convert_options=_csv_options(names, fast))
    except pa.ArrowInvalid:
        pass  # read again as text, below
    try:
        return pcsv.read_csv(path, convert_options=_csv_options(names, {}))
    except pa.ArrowException as exc:
        found = csv_width_problems(path) or csv_utf8_problems(path, names)
        message = f"cannot read the log as CSV: {exc}"
        raise InputError(found or [Problem(file=file, message=message)]) from exc


def _csv_options(names: tuple[str, ...], types: dict[str, Any]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    return pcsv.ConvertOptions(
        include_columns=list(names),
        column_types=dict.fromkeys(names, pa.string()) | types,
        strings_can_be_null=True,
        null_values=[""],
    )


def _timestamp_type(text: str) -> Any:
    """The arrow type that reads timestamps written like ``text`` (text if none does)."""
    import pyarrow as pa

    with contextlib.suppress(ValueError):
        float(text)
        return pa.float64()
    for arrow_type in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):
        try:
            scalar_of(text, pa.string()).cast(arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return arrow_type
    return pa.string()


def read_jsonl(path: Path, names: tuple[str, ...]) -> Any:
    import pyarrow as pa
    import pyarrow.json as pj

    # 32 MiB blocks instead of the default 1 MiB: 3.5 s → 2.7 s on the 10 M-line benchmark log.
    _JSON_READ = pj.ReadOptions(block_size=32 << 20)  # noqa: N806 - a constant, built lazily

    file = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError.single(f"cannot read the file: {exc.strerror}", file=file) from exc
    if not head.strip():
        raise InputError.single("the log has no requests", file=file)
    if len(head) == _HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    try:
        sample = pj.read_json(io.BytesIO(head)).schema
    except pa.ArrowException as exc:
        raise InputError(_diagnose_jsonl(path, names, exc)) from exc
    # Only the fields we need, typed from the first lines: pyarrow then skips every other
    # field (4.6 s → 2.7 s on the 10 M-line benchmark log). The fast attempt also parses
    # ISO-8601 timestamps while reading; whatever it refuses is read again as text, where
    # each value can be checked and located.
    known = [(n, _json_type(sample.field(n).type)) for n in names if n in sample.names]
    fields = {n: t for n, t in known if t is not None}
    behaviour = "infer" if len(fields) < len(names) else "ignore"
    attempts = [fields]
    if fields.get("timestamp") == pa.string():
        attempts.insert(0, fields | {"timestamp": pa.timestamp("ns", tz="UTC")})
    for i, schema in enumerate(attempts):
        options = pj.ParseOptions(
            explicit_schema=pa.schema(list(schema.items())),
            unexpected_field_behavior=behaviour,
        )
        try:
            # A memory map spares the kernel a copy of the file (about half the system time).
            table = pj.read_json(
                pa.memory_map(str(path)),
                read_options=_JSON_READ,
                parse_options=options,
                memory_pool=_reader_pool(),
            )
            break
        except pa.ArrowException as exc:
            if i == len(attempts) - 1:
                raise InputError(_diagnose_jsonl(path, names, exc)) from exc
    missing = [n for n in names if n not in table.schema.names]
    if missing:
        raise InputError(
            [Problem(file=file, path=n, message=f"no line has the field {n!r}") for n in missing]
        )
    table = _scalar_columns(table.select(list(names)), path)
    _check_utf8(path, table)
    return table


def _check_utf8(path: Path, table: Any) -> None:
    """The JSON reader does not check that text is UTF-8; decoding it later would fail where
    no line is known. One problem per field, at the first line whose value is not UTF-8."""
    import pyarrow.types as pat

    found: list[RowProblem] = []
    for name in table.schema.names:
        if pat.is_string(table.schema.field(name).type):
            bad = first_invalid_utf8(table[name])
            if bad is not None:
                row, raw = bad
                found.append(RowProblem(row=row, path=name, message=not_utf8(raw)))
    if found:
        raise InputError(locate(path, "jsonl", found))


def _reader_pool() -> Any:
    """jemalloc where pyarrow has it: on the 10 M-line benchmark log the JSON reader spends
    ~1 s of system time with pyarrow's default mimalloc pool (pages returned to the kernel and
    faulted back for every block) and ~0.4 s with jemalloc, 0.3–0.5 s less wall time."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (some platforms)
        return None


def _scalar_columns(table: Any, path: Path) -> Any:
    """Fields read by inference may be timestamps (kept as text) or nested (refused at the
    first line that has one: a field keeps one JSON type, so every value there is nested)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as pat

    problems: list[RowProblem] = []
    for i, name in enumerate(table.schema.names):
        arrow_type = table.schema.field(name).type
        if pat.is_timestamp(arrow_type) and name != "timestamp":
            table = table.set_column(i, name, table[name].cast(pa.string()))
        elif _json_type(arrow_type) is None and not pat.is_null(arrow_type):
            row = int(np.flatnonzero(as_bool(pc.is_valid(table[name])))[0])
            got = "an object" if pat.is_struct(arrow_type) else "a list"
            message = f"expected a number, text or true/false, got {got}"
            problems.append(RowProblem(row=row, path=name, message=message))
    if problems:
        raise InputError(locate(path, "jsonl", problems))
    return table


def _json_type(arrow_type: Any) -> Any:
    import pyarrow as pa
    import pyarrow.types as pat

    if pat.is_integer(arrow_type) or pat.is_floating(arrow_type):
        return pa.float64()
    if pat.is_string(arrow_type) or pat.is_timestamp(arrow_type):
        return pa.string()
    if pat.is_boolean(arrow_type):
        return pa.bool_()
    return None


def _raw(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "an object or a list"


class _RepeatedKeyError(Exception):
    """A JSON object names a key twice (json.loads keeps the last; pyarrow refuses the line)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _RepeatedKeyError(key)
        record[key] = value
    return record


@dataclass(frozen=True, slots=True)
class _Huge:
    """A JSON number beyond float64, which pyarrow refuses and json.loads reads as inf."""

    text: str


def _float(text: str) -> float | _Huge:
    value = float(text)
    return _Huge(text[:40]) if math.isinf(value) else value


def _int(text: str) -> int | _Huge:
    value = int(text)
    return _Huge(f"{text[:40]}…" if len(text) > 40 else text) if abs(value) > _LARGEST else value


_LARGEST = int(sys.float_info.max)


def _holds_huge(value: object) -> bool:
    if isinstance(value, _Huge):
        return True
    if isinstance(value, dict):
        return any(_holds_huge(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_huge(v) for v in value)
    return False


def _diagnose_jsonl(path: Path, names: tuple[str, ...], exc: Exception) -> list[Problem]:
    """Find, line by line, what the fast reader refused: slow, so only after it failed."""
    file = str(path)
    problems: list[Problem] = []
    first_kind: dict[str, tuple[str, int]] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if len(problems) >= MAX_PROBLEMS:
                break
            if not raw.strip():
                continue
            try:
                # Bytes that are not UTF-8 matter only in the fields we read (below).
                text = raw.decode("utf-8", errors="surrogateescape")
                record = json.loads(
                    text, object_pairs_hook=_unique_keys, parse_float=_float, parse_int=_int
                )
            except _RepeatedKeyError as err:
                message = "the field appears more than once on this line; give it once"
                problems.append(Problem(file=file, line=number, path=err.key, message=message))
                continue
            except ValueError as err:
                problems.append(Problem(file=file, line=number, message=f"not valid JSON: {err}"))
                continue
            if not isinstance(record, dict):
                message = "expected a JSON object, one request a line"
                problems.append(Problem(file=file, line=number, message=message))
                continue
            huge = [(key, value) for key, value in record.items() if _holds_huge(value)]
            for key, value in huge:
                shown = value.text if isinstance(value, _Huge) else "a number in the value"
                message = f"{shown} is too large for a float64 number (at most about 1.8e308)"
                problems.append(Problem(file=file, line=number, path=key, message=message))
            if huge:
                continue
            for name in names:
                value = record.get(name)
                if value is None:
                    continue
                if isinstance(value, str) and (why := not_utf8(_raw(value))):
                    problems.append(Problem(file=file, line=number, path=name, message=why))
                    continue
                kind = _json_kind(value)
                seen, line = first_kind.setdefault(name, (kind, number))
                if seen != kind:
                    message = f"{kind} here but {seen} on line {line}; a field keeps one type"
                    problems.append(Problem(file=file, line=number, path=name, message=message))
    return problems or [Problem(file=file, message=f"cannot read the log as JSONL: {exc}")]

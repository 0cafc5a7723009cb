"""Data rows to file lines: a second pass over the file that runs only when something is wrong.

The readers report problems by data row (0-based, as pyarrow numbers them); a row is not a line
once a file has blank lines (pyarrow skips them) or CSV cells that span lines. Here the rows are
counted the way pyarrow counts them and each is given the line it starts on.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from onshift.errors import Problem

__all__ = [
    "MAX_PROBLEMS",
    "RowProblem",
    "csv_utf8_problems",
    "csv_width_problems",
    "duplicate_columns",
    "locate",
    "not_utf8",
]

MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class RowProblem:
    """A problem at a data row (0-based) or, with ``row=None``, with the input as a whole."""

    row: int | None
    path: str
    message: str


def locate(path: Path, kind: str, problems: list[RowProblem]) -> list[Problem]:
    """File problems, sorted by line and capped; each row's line found in one pass."""
    wanted = {p.row for p in problems if p.row is not None}
    if not wanted:
        lines: dict[int, int] = {}
    elif kind == "csv":
        lines = _csv_lines(path, wanted)
    else:
        lines = _jsonl_lines(path, wanted)
    file = str(path)
    located = [
        Problem(
            file=file,
            line=lines.get(p.row) if p.row is not None else None,
            path=p.path,
            message=p.message,
        )
        for p in problems
    ]
    return sorted(located, key=lambda p: p.line or 0)[:MAX_PROBLEMS]


def _csv_lines(path: Path, rows: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for row, line, _cells in _csv_rows(path):
        if row in rows:
            found[row] = line
            if len(found) == len(rows):
                break
    return found


def _csv_rows(path: Path, errors: str = "replace") -> Iterator[tuple[int, int, list[str]]]:
    """(row, first line, cells) of every data row after the header, as pyarrow numbers rows:
    blank lines are skipped and a quoted cell may span lines."""
    with path.open(newline="", encoding="utf-8-sig", errors=errors) as handle:
        reader = csv.reader(handle)
        next(reader, None)
        row = 0
        start = reader.line_num + 1
        try:
            for cells in reader:
                if cells:
                    yield row, start, cells
                    row += 1
                start = reader.line_num + 1
        except csv.Error:
            return  # the rest does not split into rows: what was found so far stands


def duplicate_columns(file: str, header: list[str], names: Collection[str]) -> list[Problem]:
    """Each column the reader needs that the header names more than once: which of them holds
    the data is anyone's guess, so none is taken."""
    problems = []
    for name in dict.fromkeys(n for n in header if n in names):
        places = [str(i + 1) for i, n in enumerate(header) if n == name]
        if len(places) > 1:
            message = (
                f"the header names the column {name!r} {len(places)} times (columns "
                f"{', '.join(places)}); name each column once"
            )
            problems.append(Problem(file=file, line=1, path=name, message=message))
    return problems


def csv_width_problems(path: Path) -> list[Problem]:
    """Each row whose number of cells differs from the header's, at the line it starts on."""
    file = str(path)
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    problems: list[Problem] = []
    for _row, line, cells in _csv_rows(path):
        if len(cells) != len(header):
            message = f"expected {len(header)} fields like the header, got {len(cells)}"
            problems.append(Problem(file=file, line=line, message=message))
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def not_utf8(raw: bytes) -> str:
    """Why ``raw`` is not UTF-8 text, for a message; empty when it is."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        near = raw[max(0, exc.start - 24) : exc.start + 8]
        return (
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at position {exc.start} of the "
            f"value ({'…' if exc.start > 24 else ''}{near!r}); save the file as UTF-8"
        )
    return ""


def csv_utf8_problems(path: Path, columns: Collection[str] | None = None) -> list[Problem]:
    """Each cell that is not UTF-8 text, at the line its row starts on, in ``columns`` (every
    column when ``None``): the reader's own message names neither the line nor the cell."""
    file = str(path)
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        header = next(csv.reader(handle), [])
    wanted = [(i, name) for i, name in enumerate(header) if columns is None or name in columns]
    problems = [
        Problem(file=file, line=1, path=f"column {i + 1}", message=why)
        for i, name in enumerate(header)
        if (why := not_utf8(_raw(name)))
    ]
    for _row, line, cells in _csv_rows(path, errors="surrogateescape"):
        for i, name in wanted:
            why = not_utf8(_raw(cells[i])) if i < len(cells) else ""
            if why:
                problems.append(Problem(file=file, line=line, path=name, message=why))
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems[:MAX_PROBLEMS]


def _raw(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _jsonl_lines(path: Path, rows: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    row = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if row in rows:
                found[row] = number
                if len(found) == len(rows):
                    break
            row += 1
    return found

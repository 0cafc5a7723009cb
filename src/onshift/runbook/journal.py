"""The run journal: one JSON object per line, fsync'd per record, so a crash leaves it readable.

Every change is written *before* it is carried out, together with its undo (write-ahead), so
``rollback`` can put a target back from the file alone even when the process died between the
two. Each record also goes to a :class:`~onshift.runbook.ports.TimelineSink` as an incident
timeline event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from onshift.errors import Problem, SpecError
from onshift.runbook.changes import Change, JsonValue, change_from_json
from onshift.runbook.model import SteadyState
from onshift.units import parse_duration, parse_timestamp, to_iso

__all__ = [
    "Applied",
    "JournalState",
    "JournalWriter",
    "Outcome",
    "Record",
    "RecordKind",
    "StepStatus",
    "fold",
    "read_journal",
]


class RecordKind(StrEnum):
    RUN_STARTED = "run_started"
    RUN_RESUMED = "run_resumed"
    APPLY = "apply"
    UNDO = "undo"
    STEP = "step"
    RUN_FINISHED = "run_finished"


class StepStatus(StrEnum):
    VERIFIED = "verified"
    IMPROVED = "improved"
    NOT_IMPROVED = "not_improved"
    WORSE = "worse"
    APPLY_FAILED = "apply_failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class Outcome(StrEnum):
    ALREADY_HEALTHY = "already_healthy"
    MITIGATED = "mitigated"
    NOT_MITIGATED = "not_mitigated"
    INTERRUPTED = "interrupted"
    ABORTED = "aborted"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    seq: int
    at: datetime
    kind: RecordKind
    runbook: str
    step: str | None = None
    status: str | None = None
    data: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "seq": self.seq,
            "at": to_iso(self.at),
            "kind": self.kind.value,
            "runbook": self.runbook,
            "step": self.step,
            "status": self.status,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, data: Any) -> Record:
        if not isinstance(data, dict):
            msg = "a journal record is a JSON object"
            raise ValueError(msg)
        payload = data.get("data", {})
        if not isinstance(payload, dict):
            msg = "'data' must be an object"
            raise ValueError(msg)
        step, status = data.get("step"), data.get("status")
        return cls(
            seq=int(data["seq"]),
            at=parse_timestamp(str(data["at"])),
            kind=RecordKind(data["kind"]),
            runbook=str(data["runbook"]),
            step=None if step is None else str(step),
            status=None if status is None else str(status),
            data=payload,
        )


class JournalWriter:
    """Appends records; each one is flushed and fsync'd before ``append`` returns."""

    def __init__(self, path: Path | str, *, next_seq: int = 1) -> None:
        self.path = Path(path)
        self.next_seq = next_seq

    @classmethod
    def create(cls, path: Path | str) -> JournalWriter:
        target = Path(path)
        try:
            with target.open("x", encoding="utf-8"):
                pass
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except FileExistsError:
            raise SpecError.single(
                "a journal already exists here; resume or roll it back, or choose another path",
                file=str(target),
            ) from None
        except OSError as exc:
            raise SpecError.single(f"cannot create the journal: {exc}", file=str(target)) from exc
        return cls(target)

    @classmethod
    def reopen(cls, path: Path | str, *, next_seq: int) -> JournalWriter:
        """Append to an existing journal, first cutting off a torn last line (a crash
        mid-record) so that the records written next stay one per line."""
        target = Path(path)
        data = target.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            try:
                json.loads(data[keep:])
            except ValueError:
                with target.open("r+b") as out:  # torn: cut it off
                    out.truncate(keep)
                    out.flush()
                    os.fsync(out.fileno())
            else:
                with target.open("ab") as out:  # whole but unterminated (edited by hand)
                    out.write(b"\n")
                    out.flush()
                    os.fsync(out.fileno())
        return cls(target, next_seq=next_seq)

    def append(
        self,
        *,
        at: datetime,
        kind: RecordKind,
        runbook: str,
        step: str | None = None,
        status: str | None = None,
        data: Mapping[str, JsonValue] | None = None,
    ) -> Record:
        record = Record(
            seq=self.next_seq,
            at=at,
            kind=kind,
            runbook=runbook,
            step=step,
            status=status,
            data=dict(data or {}),
        )
        line = json.dumps(record.to_json(), ensure_ascii=False, allow_nan=False)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        self.next_seq += 1
        return record


def read_journal(path: Path | str) -> list[Record]:
    """Every record; a torn last line (a crash mid-write) is dropped, any other bad line is a
    :class:`SpecError` with its line number."""
    file = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise SpecError.single("journal not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError.single(f"cannot read the journal: {exc}", file=file) from exc
    records: list[Record] = []
    problems: list[Problem] = []
    last = len(lines) - 1
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(Record.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            if number - 1 == last:
                break  # written without its newline: the process died mid-record
            problems.append(Problem(file=file, line=number, message=f"bad journal record: {exc}"))
    if problems:
        raise SpecError(problems)
    if not records or records[0].kind is not RecordKind.RUN_STARTED:
        raise SpecError.single("not a runbook journal (no run_started record)", file=file, line=1)
    return records


@dataclass(frozen=True, slots=True, kw_only=True)
class Applied:
    """A change that is in effect, with what undoes it (``None``: irreversible)."""

    step: str
    stage: int
    undo: Change | None
    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalState:
    runbook: str
    runbook_file: str
    runbook_text: str
    target: Mapping[str, str]
    mode: str
    steady_state: SteadyState | None
    applied: tuple[Applied, ...]
    finished_steps: Mapping[str, str]
    verified_step: str | None
    finished: bool
    next_seq: int


def _undo_of(record: Record) -> Change | None:
    undo = record.data.get("undo")
    if undo is None:
        return None
    if not isinstance(undo, dict):
        msg = f"record {record.seq}: 'undo' must be an object"
        raise SpecError.single(msg)
    try:
        return change_from_json(undo)
    except ValueError as exc:
        raise SpecError.single(f"record {record.seq}: {exc}") from None


def _steady_state(data: Mapping[str, JsonValue]) -> SteadyState | None:
    """The runbook's steady state as journaled at the start (``None`` if absent or unusable)."""
    raw = data.get("steady_state")
    if not isinstance(raw, dict):
        return None
    rate, window = raw.get("burn_rate_below"), raw.get("window")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not isinstance(window, str):
        return None
    try:
        return SteadyState(burn_rate_below=float(rate), window=parse_duration(window))
    except ValueError:
        return None


def fold(records: list[Record]) -> JournalState:
    """What a journal says is true now: which changes are in effect, which steps are done."""
    start = records[0].data
    applied: list[Applied] = []
    finished: dict[str, str] = {}
    verified: str | None = None
    done = False
    for record in records:
        stage = record.data.get("stage", 0)
        stage = stage if isinstance(stage, int) else 0
        if record.kind is RecordKind.APPLY and record.step is not None:
            applied.append(
                Applied(step=record.step, stage=stage, undo=_undo_of(record), seq=record.seq)
            )
        elif record.kind is RecordKind.UNDO and record.data.get("ok") is True:
            applied = [a for a in applied if (a.step, a.stage) != (record.step, stage)]
        elif record.kind is RecordKind.STEP and record.step is not None:
            finished[record.step] = record.status or ""
            if record.status == StepStatus.VERIFIED:
                verified = record.step
        elif record.kind is RecordKind.RUN_RESUMED:
            done = False
        elif record.kind is RecordKind.RUN_FINISHED:
            done = True
    if verified is not None and all(a.step != verified for a in applied):
        verified = None
    target = start.get("target", {})
    return JournalState(
        runbook=records[0].runbook,
        runbook_file=str(start.get("file", "")),
        runbook_text=str(start.get("text", "")),
        target={str(k): str(v) for k, v in target.items()} if isinstance(target, dict) else {},
        mode=str(start.get("mode", "")),
        steady_state=_steady_state(start),
        applied=tuple(applied),
        finished_steps=finished,
        verified_step=verified,
        finished=done,
        next_seq=records[-1].seq + 1,
    )

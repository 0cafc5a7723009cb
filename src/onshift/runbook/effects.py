"""Carrying out changes and journaling them: the side-effecting half of the executor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from onshift.clock import Clock
from onshift.errors import MitigationError
from onshift.runbook.changes import Change, JsonValue, Patch, change_to_json, holds
from onshift.runbook.journal import (
    Applied,
    JournalState,
    JournalWriter,
    Outcome,
    RecordKind,
    StepStatus,
)
from onshift.runbook.model import SteadyState
from onshift.runbook.ports import CommandRunner, HealthProbe, Target, TimelineSink
from onshift.units import to_iso

__all__ = ["Effects", "RunResult", "StepResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    outcome: Outcome
    verified_step: str | None
    steps: tuple[StepResult, ...]
    burn_rate_after: float | None
    steady_state_after: bool | None
    left_applied: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    step: str
    status: StepStatus
    note: str = ""


class Effects:
    """The ports of a run and the three things done with them: journal a record (and send it
    to the timeline), read the burn rate, and carry out or undo a change."""

    def __init__(
        self,
        *,
        name: str,
        target: Target,
        probe: HealthProbe | None,
        clock: Clock,
        journal: JournalWriter,
        commands: CommandRunner,
        steady_state: SteadyState | None = None,
        sink: TimelineSink | None = None,
    ) -> None:
        self.name = name
        self.steady_state = steady_state
        self.target = target
        self.probe = probe
        self.clock = clock
        self.journal = journal
        self.commands = commands
        self.sink = sink
        self._results: list[StepResult] = []
        self._stack: list[Applied] = []
        self._timeline_errors: list[str] = []

    # -- recording ------------------------------------------------------------------------
    def record(
        self,
        kind: RecordKind,
        *,
        step: str | None = None,
        status: str | None = None,
        data: Mapping[str, JsonValue] | None = None,
    ) -> int:
        rec = self.journal.append(
            at=self.clock.now(),
            kind=kind,
            runbook=self.name,
            step=step,
            status=status,
            data=data,
        )
        if self.sink is not None:
            try:
                self.sink.runbook_event(rec)
            except Exception as exc:  # noqa: BLE001 - the journal has it; a mitigation never
                # stops because the incident timeline is down: counted in run_finished instead
                self._timeline_errors.append(f"record {rec.seq}: {type(exc).__name__}: {exc}")
        return rec.seq

    def _read(self, window: timedelta, readings: list[JsonValue], phase: str) -> float | None:
        at = self.clock.now()
        error: str | None = None
        if self.probe is None:
            return None
        try:
            value = self.probe.burn_rate(window, at)
        except Exception as exc:  # noqa: BLE001 - a failed reading is "no data", and journaled
            value, error = None, f"{type(exc).__name__}: {exc}"
        readings.append({"at": to_iso(at), "phase": phase, "burn_rate": value, "error": error})
        return value

    # -- carrying out changes --------------------------------------------------------------
    def execute(self, change: Change, *, step: str, phase: str) -> None:
        if isinstance(change, Patch):
            self.target.write(change)
            return
        result = self.commands.run(change.argv, timedelta(seconds=change.timeout_s))
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip()[-300:]
            msg = f"{change.argv[0]} exited with {result.returncode}: {tail}"
            raise MitigationError(msg, step=step, phase=phase)

    def _already_undone(self, undo: Change) -> bool:
        """After a failed undo: does the target hold what the undo would have put back? Then the
        change is not in effect (typically: its own write failed and left the target as it
        was), and it is journaled as ``unchanged`` rather than still applied."""
        if not isinstance(undo, Patch):
            return False  # a command's effect cannot be read back
        try:
            return holds(self.target.read(), undo)
        except Exception:  # noqa: BLE001 - unreadable: it may well still be applied
            return False

    def undo(self, entries: list[Applied], reason: str) -> None:
        """Undo ``entries`` newest-first; failures stay in effect for the final unwind, unless
        the target is found to hold the undone values already. A journal that cannot be written
        does not stop the unwind: its error is raised once it is done."""
        unjournaled: Exception | None = None
        for entry in sorted(entries, key=lambda a: a.seq, reverse=True):
            data: dict[str, JsonValue] = {"stage": entry.stage, "reason": reason}
            if entry.undo is None:
                status = "skipped"
                data |= {"ok": False, "error": "irreversible: left in effect"}
            else:
                data["change"] = change_to_json(entry.undo)
                try:
                    self.execute(entry.undo, step=entry.step, phase="undo")
                except Exception as exc:  # noqa: BLE001 - keep unwinding; journaled below
                    data["error"] = f"{type(exc).__name__}: {exc}"
                    status = "unchanged" if self._already_undone(entry.undo) else "failed"
                    data["ok"] = status == "unchanged"
                else:
                    status = "done"
                    data["ok"] = True
                if data["ok"]:
                    self._stack = [a for a in self._stack if a.seq != entry.seq]
            try:
                self.record(RecordKind.UNDO, step=entry.step, status=status, data=data)
            except Exception as exc:  # noqa: BLE001 - raised below, after the rest is undone
                unjournaled = unjournaled or exc
        if unjournaled is not None:
            raise unjournaled

    def finish(
        self,
        outcome: Outcome,
        verified: str | None,
        error: str | None = None,
        *,
        readings_before: list[JsonValue] | None = None,
    ) -> RunResult:
        keep = [a for a in self._stack if a.step == verified]
        self.undo([a for a in self._stack if a.step != verified], "unwind")
        readings: list[JsonValue] = list(readings_before or [])
        steady = self.steady_state
        rate = None if steady is None else self._read(steady.window, readings, "steady_state_after")
        met = None if steady is None else steady.met(rate)
        left = tuple(a.step for a in self._stack if a not in keep)
        self.record(
            RecordKind.RUN_FINISHED,
            status=outcome.value,
            data={
                "verified_step": verified,
                "readings": readings,
                "steady_state_after": met,
                "left_applied": list(left),
                "error": error,
                "timeline_errors": list(self._timeline_errors),
            },
        )
        return RunResult(
            outcome=outcome,
            verified_step=verified,
            steps=tuple(self._results),
            burn_rate_after=rate,
            steady_state_after=met,
            left_applied=left,
            error=error,
        )

    def rollback(self, state: JournalState) -> RunResult:
        """Undo every change the journal says is in effect, the verified fix included. Needs
        only the journal: not the runbook, which may have changed or no longer load."""
        self._stack = list(state.applied)
        self.record(RecordKind.RUN_RESUMED, data={"mode": "rollback"})
        return self.finish(Outcome.ROLLED_BACK, None)

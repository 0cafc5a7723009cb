"""The runbook executor: the imperative shell around the pure plan.

For each step: precondition, approval (and the precondition again after a human answered),
snapshot, write-ahead journal record, apply, wait through the clock and verify. A verified step
stops the run and stays applied. A step that is not better by its deadline, makes things worse
or fails to apply is undone before the next one is tried.
At the end, or on an interrupt, every change still in effect except the verified fix is undone
newest-first, and the steady state is checked again after that unwind.
"""

from __future__ import annotations

import contextlib

from onshift.clock import Clock
from onshift.runbook.changes import JsonValue, change_to_json
from onshift.runbook.effects import Effects, RunResult, StepResult
from onshift.runbook.journal import (
    Applied,
    JournalState,
    JournalWriter,
    Outcome,
    RecordKind,
    StepStatus,
)
from onshift.runbook.model import Runbook, Step, Verify
from onshift.runbook.plan import Mode, Verdict, judge_deadline, judge_reading, needs_approval
from onshift.runbook.ports import Approver, CommandRunner, HealthProbe, Target, TimelineSink
from onshift.runbook.registry import ActionRegistry
from onshift.units import format_duration, to_iso

__all__ = ["Executor"]


class Executor(Effects):
    """Runs a runbook's steps until one verifies; see the module docstring."""

    def __init__(
        self,
        *,
        runbook: Runbook,
        registry: ActionRegistry,
        target: Target,
        probe: HealthProbe | None,
        clock: Clock,
        journal: JournalWriter,
        commands: CommandRunner,
        mode: Mode = Mode.INTERACTIVE,
        approver: Approver | None = None,
        sink: TimelineSink | None = None,
    ) -> None:
        super().__init__(
            name=runbook.name,
            steady_state=runbook.steady_state,
            target=target,
            probe=probe,
            clock=clock,
            journal=journal,
            commands=commands,
            sink=sink,
        )
        self.runbook = runbook
        self.registry = registry
        self.mode = mode
        self.approver = approver

    # -- one step --------------------------------------------------------------------------
    def _gate(self, step: Step, readings: list[JsonValue]) -> str | None:
        """Why the step must not run (precondition, approval), or ``None`` to run it. The
        precondition comes first, so that nobody is asked to approve a step that does not
        apply; after a human said yes it is checked again, as the service may have changed
        while the question waited for an answer."""
        reason = self._holds(step, readings, "precondition")
        if reason is not None:
            return reason
        if not needs_approval(step, self.registry.get(step.action)):
            return None
        if self.mode is Mode.AUTO:
            return "needs approval; --auto skips it"
        if self.approver is None or not self.approver.approve(step.id, self._what(step)):
            return "not approved"
        reason = self._holds(step, readings, "precondition_after_approval")
        return None if reason is None else f"approved, but by then {reason}"

    def _holds(self, step: Step, readings: list[JsonValue], phase: str) -> str | None:
        try:
            return self._precondition(step, readings, phase)
        except Exception as exc:  # noqa: BLE001 - an uncheckable precondition does not hold
            return f"precondition could not be checked: {type(exc).__name__}: {exc}"

    def _what(self, step: Step) -> str:
        """What the human approves: with a blast radius, the first stage and how far it widens."""
        action = self.registry.get(step.action)
        stages = step.stage_args(action.radius_param)
        what = action.describe(stages[0][1])
        wider = [f"{radius:g} %" for radius, _ in stages[1:] if radius is not None]
        if wider:
            what += f", widening to {', '.join(wider)} until it verifies"
        return what

    def _precondition(self, step: Step, readings: list[JsonValue], phase: str) -> str | None:
        pre = step.precondition
        if pre is None:
            return None
        state = self.target.read()
        for key, want in pre.flags.items():
            if state.get(key) != want:
                return f"precondition: {key} is {state.get(key)!r}, not {want!r}"
        if pre.burn_rate_above is not None and pre.window is not None:
            rate = self._read(pre.window, readings, phase)
            if rate is None or rate <= pre.burn_rate_above:
                return f"precondition: burn rate {rate} is not above {pre.burn_rate_above}"
        return None

    def _watch(
        self, verify: Verify, baseline: float | None, readings: list[JsonValue]
    ) -> tuple[Verdict, float | None]:
        deadline = self.clock.now() + verify.within
        last: float | None = None
        while self.clock.now() < deadline:
            self.clock.sleep(min(verify.every, deadline - self.clock.now()))
            reading = self._read(verify.window, readings, "verify")
            last = reading if reading is not None else last
            verdict = judge_reading(verify, baseline, reading)
            if verdict in (Verdict.VERIFIED, Verdict.WORSE):
                return verdict, last
        return Verdict.PENDING, last

    def run_step(self, step: Step) -> StepStatus:
        start = self.clock.now()
        readings: list[JsonValue] = []
        extra: dict[str, JsonValue] = {}

        def finish(status: StepStatus, note: str = "") -> StepStatus:
            data: dict[str, JsonValue] = {
                "start": to_iso(start),
                "end": to_iso(self.clock.now()),
                "readings": readings,
                "note": note,
                **extra,
            }
            self.record(RecordKind.STEP, step=step.id, status=status.value, data=data)
            self._results.append(StepResult(step=step.id, status=status, note=note))
            return status

        reason = self._gate(step, readings)
        if reason is not None:
            return finish(StepStatus.SKIPPED, reason)
        action = self.registry.get(step.action)
        mine: list[Applied] = []
        baseline: float | None = None
        try:
            baseline = self._read(step.verify.window, readings, "baseline")
            snapshot = self.target.read()
            verdict, last = Verdict.PENDING, baseline
            for stage, (radius, args) in enumerate(step.stage_args(action.radius_param)):
                before = self.target.read()
                change = action.plan(snapshot, args)
                undo = action.invert(before, change, args)
                data: dict[str, JsonValue] = {
                    "stage": stage,
                    "blast_radius": radius,
                    "what": action.describe(args),
                    "change": change_to_json(change),
                    "undo": None if undo is None else change_to_json(undo),
                }
                seq = self.record(RecordKind.APPLY, step=step.id, status="applying", data=data)
                entry = Applied(step=step.id, stage=stage, undo=undo, seq=seq)
                self._stack.append(entry)
                mine.append(entry)
                self.execute(change, step=step.id, phase="apply")
                extra["blast_radius"] = radius
                verdict, last = self._watch(step.verify, baseline, readings)
                if verdict is not Verdict.PENDING:
                    break
        except Exception as exc:  # noqa: BLE001 - a failed apply is undone and the run goes on
            self.undo(mine, "apply failed")
            return finish(StepStatus.APPLY_FAILED, f"{type(exc).__name__}: {exc}")
        if verdict is Verdict.VERIFIED:
            return finish(StepStatus.VERIFIED, "steady state reached")
        if verdict is Verdict.WORSE:
            self.undo(mine, "made things worse")
            return finish(StepStatus.WORSE, "burn rate rose above the baseline")
        if judge_deadline(baseline, last) is Verdict.IMPROVED:
            return finish(StepStatus.IMPROVED, "better but not healthy; kept while others run")
        self.undo(mine, "not better by the deadline")
        return finish(StepStatus.NOT_IMPROVED, "not better by the deadline")

    # -- whole runs ------------------------------------------------------------------------
    def _stopped(self, step: Step | None) -> None:
        if step is not None:
            self.record(RecordKind.STEP, step=step.id, status=StepStatus.INTERRUPTED)
            self._results.append(StepResult(step=step.id, status=StepStatus.INTERRUPTED))

    def _steps(self, steps: list[Step]) -> RunResult:
        current: Step | None = None
        try:
            for step in steps:
                current = step
                if self.run_step(step) is StepStatus.VERIFIED:
                    return self.finish(Outcome.MITIGATED, step.id)
                current = None
        except KeyboardInterrupt:
            self._stopped(current)
            return self.finish(Outcome.INTERRUPTED, None)
        except Exception as exc:  # noqa: BLE001 - e.g. a broken approver: unwind, never strand
            with contextlib.suppress(Exception):  # an unwritable journal: unwind all the same
                self._stopped(current)
            return self.finish(Outcome.ABORTED, None, f"{type(exc).__name__}: {exc}")
        return self.finish(Outcome.NOT_MITIGATED, None)

    def run(self, *, source_file: str, source_text: str) -> RunResult:
        """Run from the start; the runbook's text goes into the journal so it can be resumed."""
        readings: list[JsonValue] = []
        steady = self.runbook.steady_state
        rate = self._read(steady.window, readings, "steady_state_before")
        self.record(
            RecordKind.RUN_STARTED,
            data={
                "file": source_file,
                "text": source_text,
                "target": dict(self.target.describe()),
                "mode": self.mode.value,
                "steady_state": {
                    "burn_rate_below": steady.burn_rate_below,
                    "window": format_duration(steady.window),
                },
                "readings": readings,
                "steady_state_before": steady.met(rate),
            },
        )
        if steady.met(rate):
            return self.finish(Outcome.ALREADY_HEALTHY, None)
        return self._steps(list(self.runbook.steps))

    def resume(self, state: JournalState) -> RunResult:
        """Carry on an interrupted run: undo the step that was in flight; then, unless the service
        is healthy again, go on with the next step."""
        self._stack = list(state.applied)
        self.record(RecordKind.RUN_RESUMED, data={"mode": self.mode.value})
        in_flight = [a for a in self._stack if a.step not in state.finished_steps]
        for step_id in dict.fromkeys(a.step for a in in_flight):
            self.undo([a for a in in_flight if a.step == step_id], "interrupted")
            self.record(RecordKind.STEP, step=step_id, status=StepStatus.INTERRUPTED)
            self._results.append(StepResult(step=step_id, status=StepStatus.INTERRUPTED))
        if state.verified_step is not None:
            return self.finish(Outcome.MITIGATED, state.verified_step)
        # As a fresh run does: a service that is healthy again is left alone, not given more
        # changes (and the steps kept as "improved" are unwound like at the end of any run).
        readings: list[JsonValue] = []
        steady = self.runbook.steady_state
        if steady.met(self._read(steady.window, readings, "steady_state_before")):
            return self.finish(Outcome.ALREADY_HEALTHY, None, readings_before=readings)
        done = set(state.finished_steps) | {a.step for a in in_flight}
        ids = [s.id for s in self.runbook.steps]
        last = max((ids.index(s) for s in done if s in ids), default=-1)
        return self._steps(list(self.runbook.steps[last + 1 :]))

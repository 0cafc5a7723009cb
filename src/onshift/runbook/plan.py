"""Pure runbook planning: what each step would change, whether it runs in a mode, and how to
judge the readings that follow it. No clock, no target, no probe in here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from onshift.runbook.actions import Action
from onshift.runbook.changes import Change, Command, JsonValue, Patch, State, apply_patch
from onshift.runbook.model import Approval, Runbook, Step, Verify
from onshift.runbook.registry import ActionRegistry

__all__ = [
    "Mode",
    "PlannedStep",
    "Verdict",
    "describe_change",
    "judge_deadline",
    "judge_reading",
    "needs_approval",
    "plan_runbook",
]


class Mode(StrEnum):
    INTERACTIVE = "interactive"
    AUTO = "auto"


class Verdict(StrEnum):
    VERIFIED = "verified"
    WORSE = "worse"
    PENDING = "pending"
    IMPROVED = "improved"
    NOT_IMPROVED = "not_improved"


def needs_approval(step: Step, action: Action) -> bool:
    return step.approval is Approval.REQUIRED or step.irreversible or action.always_needs_approval


def judge_reading(verify: Verify, baseline: float | None, reading: float | None) -> Verdict:
    """One reading after a step: healthy again, worse than before the step, or not yet known."""
    if reading is None:
        return Verdict.PENDING
    if reading < verify.burn_rate_below:
        return Verdict.VERIFIED
    if baseline is not None and reading > baseline * verify.worse_factor:
        return Verdict.WORSE
    return Verdict.PENDING


def judge_deadline(baseline: float | None, last: float | None) -> Verdict:
    """At the deadline without verification: did the step at least lower the burn rate?"""
    if baseline is None or last is None:
        return Verdict.NOT_IMPROVED
    return Verdict.IMPROVED if last < baseline else Verdict.NOT_IMPROVED


def _show(value: JsonValue) -> str:
    return json.dumps(value, ensure_ascii=False)


def describe_change(change: Change | None, before: State) -> list[str]:
    """Human lines for a change against the state it applies to (``None``: no undo)."""
    if change is None:
        return ["(irreversible: nothing undoes this)"]
    if isinstance(change, Command):
        return ["run " + " ".join(change.argv)]
    lines = []
    for key, value in change.values.items():
        old = _show(before[key]) if key in before else "(absent)"
        lines.append(f"{key}: {old} -> {_show(value)}")
    lines.extend(
        f"{key}: {_show(before[key])} -> (removed)" for key in change.remove if key in before
    )
    return lines or ["(no change)"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedStep:
    step: str
    description: str
    what: str
    stages: tuple[tuple[float | None, tuple[str, ...], tuple[str, ...]], ...]
    """Per stage: blast radius, the changes it would make, what would undo them."""
    needs_approval: bool
    runs: bool
    note: str
    error: str | None = None


def _plan_step(step: Step, action: Action, state: State, mode: Mode) -> PlannedStep:
    approval = needs_approval(step, action)
    runs = not (approval and mode is Mode.AUTO)
    note = "needs approval" if approval else "automatic"
    if not runs:
        note = "skipped: needs approval and --auto applies only steps that need none"
    stages: list[tuple[float | None, tuple[str, ...], tuple[str, ...]]] = []
    try:
        current = state  # as the executor does: plan each stage against the step's start,
        for radius, args in step.stage_args(action.radius_param):  # undo to the stage before
            change = action.plan(state, args)
            undo = action.invert(current, change, args)
            after = apply_patch(current, change) if isinstance(change, Patch) else current
            stages.append(
                (
                    radius,
                    tuple(describe_change(change, current)),
                    tuple(describe_change(undo, after)),
                )
            )
            current = after
    except ValueError as exc:
        return PlannedStep(
            step=step.id,
            description=step.description,
            what=action.describe(step.args),
            stages=tuple(stages),
            needs_approval=approval,
            runs=runs,
            note=note,
            error=str(exc),
        )
    return PlannedStep(
        step=step.id,
        description=step.description,
        what=action.describe(step.args),
        stages=tuple(stages),
        needs_approval=approval,
        runs=runs,
        note=note,
    )


def plan_runbook(
    runbook: Runbook, registry: ActionRegistry, state: State, mode: Mode
) -> tuple[PlannedStep, ...]:
    """What each step would change if tried against ``state`` (steps are tried one at a time
    and a step that does not help is undone, so each is planned against the same state)."""
    return tuple(_plan_step(step, registry.get(step.action), state, mode) for step in runbook.steps)

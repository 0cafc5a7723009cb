"""Rendering plans and run results, as text lines and as JSON values (the CLI prints them)."""

from __future__ import annotations

import json

from onshift.redact import redact_url
from onshift.runbook.changes import Change, Command, JsonValue
from onshift.runbook.effects import RunResult
from onshift.runbook.journal import JournalState, Outcome
from onshift.runbook.plan import PlannedStep

__all__ = [
    "journal_lines",
    "journal_to_json",
    "plan_lines",
    "plan_to_json",
    "result_exit_code",
    "result_lines",
    "result_to_json",
]


def plan_to_json(plan: tuple[PlannedStep, ...]) -> list[JsonValue]:
    return [
        {
            "step": p.step,
            "what": p.what,
            "runs": p.runs,
            "needs_approval": p.needs_approval,
            "note": p.note,
            "error": p.error,
            "stages": [
                {"blast_radius": r, "changes": list(c), "undo": list(u)} for r, c, u in p.stages
            ],
        }
        for p in plan
    ]


def plan_lines(plan: tuple[PlannedStep, ...]) -> list[str]:
    out = ["Dry run: nothing is changed. Steps are tried one at a time, in this order."]
    for number, p in enumerate(plan, start=1):
        out.append(f"{number}. {p.step}: {p.what} [{p.note}]")
        if p.error:
            out.append(f"   cannot apply now: {p.error}")
        for radius, changes, undo in p.stages:
            if radius is not None:
                out.append(f"   at {radius:g} %:")
            out.extend(f"   change  {line}" for line in changes)
            out.extend(f"   undo    {line}" for line in undo)
    return out


def result_to_json(result: RunResult) -> dict[str, JsonValue]:
    return {
        "outcome": result.outcome.value,
        "verified_step": result.verified_step,
        "steps": [{"step": s.step, "status": s.status.value, "note": s.note} for s in result.steps],
        "burn_rate_after": result.burn_rate_after,
        "steady_state_after": result.steady_state_after,
        "left_applied": list(result.left_applied),
        "error": result.error,
    }


def result_lines(result: RunResult, *, journal: str | None = None) -> list[str]:
    out = [f"{s.step}: {s.status.value}" + (f" ({s.note})" if s.note else "") for s in result.steps]
    healthy = {True: "healthy", False: "NOT healthy", None: "unknown (no data)"}
    out.append(f"outcome: {result.outcome.value}")
    out.append(f"steady state after: {healthy[result.steady_state_after]}")
    if result.error:
        out.append(f"aborted by an error: {result.error}")
    if result.left_applied:
        out.append("still applied (could not be undone): " + ", ".join(result.left_applied))
        if journal is not None:
            out.append(f"  fix the cause, then undo it: onshift runbook rollback {journal}")
    return out


def _undo_text(change: Change | None) -> str:
    if change is None:
        return "nothing: irreversible"
    if isinstance(change, Command):
        return "run " + " ".join(change.argv)
    parts = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in change.values.items()]
    parts += [f"remove {k}" for k in change.remove]
    return ", ".join(parts) or "nothing to change"


def _target(state: JournalState) -> dict[str, str]:
    """The journaled target, its URL masked: journals written before URLs were redacted at
    the source may still hold a password or token."""
    return {k: redact_url(v).shown if k == "url" else v for k, v in state.target.items()}


def journal_to_json(state: JournalState) -> dict[str, JsonValue]:
    return {
        "runbook": state.runbook,
        "target": dict(_target(state)),
        "finished": state.finished,
        "steps": dict(state.finished_steps),
        "verified_step": state.verified_step,
        "applied_newest_first": [
            {"step": a.step, "stage": a.stage, "undo": _undo_text(a.undo)}
            for a in reversed(state.applied)
        ],
    }


def journal_lines(state: JournalState) -> list[str]:
    target = ", ".join(f"{k}={v}" for k, v in _target(state).items())
    out = [
        f"runbook: {state.runbook} ({'finished' if state.finished else 'NOT finished'})",
        f"target: {target}",
    ]
    out += [f"step {step}: {status}" for step, status in state.finished_steps.items()]
    if not state.applied:
        return [*out, "nothing is applied: rollback has nothing to undo"]
    out.append("still applied; rollback undoes, in this order:")
    out += [f"  {a.step} (stage {a.stage}): {_undo_text(a.undo)}" for a in reversed(state.applied)]
    return out


def result_exit_code(result: RunResult) -> int:
    """0 when the service is (or was already) healthy or a rollback finished; 130 for an
    interrupt; 1 otherwise, including a fix that verified but left the service unhealthy once
    the other steps were unwound, and anything that could not be undone."""
    if result.left_applied:
        return 1
    if result.outcome in (Outcome.MITIGATED, Outcome.ALREADY_HEALTHY):
        return 1 if result.steady_state_after is False else 0
    if result.outcome is Outcome.ROLLED_BACK:
        return 0
    return 130 if result.outcome is Outcome.INTERRUPTED else 1

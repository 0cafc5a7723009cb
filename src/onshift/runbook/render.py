"""A runbook as Markdown for humans: the same file is the doc and the automation."""

from __future__ import annotations

import json

from onshift.runbook.model import Runbook, Step
from onshift.runbook.plan import needs_approval
from onshift.runbook.registry import ActionRegistry
from onshift.units import format_duration

__all__ = ["render_markdown"]


def _rate(value: float) -> str:
    return f"{value:g}"


def _step(number: int, step: Step, registry: ActionRegistry) -> list[str]:
    action = registry.get(step.action)
    lines = [f"### {number}. {step.description or step.id}", "", f"- **id:** `{step.id}`"]
    lines.append(f"- **does:** {action.describe(step.args)} (`{action.id}`)")
    if step.args:
        args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in step.args.items())
        lines.append(f"- **arguments:** `{args}`")
    if step.blast_radius and action.radius_param:
        stages = " → ".join(f"{r:g} %" for r in step.blast_radius)
        lines.append(
            f"- **blast radius:** {stages} ({action.radius_param}), widened only while "
            "the step has not yet verified"
        )
    pre = step.precondition
    if pre is not None:
        parts = [f"`{k}` is `{json.dumps(v)}`" for k, v in pre.flags.items()]
        if pre.burn_rate_above is not None and pre.window is not None:
            parts.append(
                f"burn rate over {format_duration(pre.window)} above {_rate(pre.burn_rate_above)}"
            )
        lines.append(f"- **only if:** {' and '.join(parts) or 'always'}")
    v = step.verify
    lines.append(
        f"- **verify:** burn rate over {format_duration(v.window)} below "
        f"{_rate(v.burn_rate_below)} within {format_duration(v.within)} (read every "
        f"{format_duration(v.every)}; worse than {_rate(v.worse_factor)}× the reading before "
        "the step means undo now)"
    )
    if step.irreversible or not action.reversible(step.args):
        lines.append("- **undo:** none — **irreversible**")
    elif step.action == "exec":
        undo = step.args.get("undo")
        argv = " ".join(str(a) for a in undo) if isinstance(undo, list) else ""
        lines.append(f"- **undo:** run `{argv}`")
    else:
        lines.append("- **undo:** automatic — restores the previous values of what it changed")
    approval = "**required** — a human confirms" if needs_approval(step, action) else "not needed"
    lines.append(f"- **approval:** {approval}")
    return [*lines, ""]


def render_markdown(runbook: Runbook, registry: ActionRegistry) -> str:
    out = [f"# {runbook.title}", ""]
    if runbook.title != runbook.name:
        out += [
            f"Runbook `{runbook.name}`" + (f" for `{runbook.service}`" if runbook.service else ""),
            "",
        ]
    if runbook.description:
        out += [runbook.description, ""]
    m = runbook.match
    if m.alerts or m.slos or m.symptoms:
        out += ["## When to use it", ""]
        for label, names in (("Alerts", m.alerts), ("SLOs", m.slos), ("Symptoms", m.symptoms)):
            if names:
                out.append(f"- **{label}:** " + ", ".join(f"`{n}`" for n in names))
        out.append("")
    s = runbook.steady_state
    out += [
        "## Healthy means",
        "",
        f"Burn rate over {format_duration(s.window)} below {_rate(s.burn_rate_below)}.",
        "",
        "## Steps",
        "",
        (
            "Tried in order, one at a time. A step that verifies ends the run and stays applied; "
            "any other step is undone before the next is tried. Whatever is still applied at the "
            "end (except the verified fix) is undone newest-first, then health is checked again."
        ),
        "",
    ]
    for number, step in enumerate(runbook.steps, start=1):
        out += _step(number, step, registry)
    return "\n".join(out).rstrip() + "\n"

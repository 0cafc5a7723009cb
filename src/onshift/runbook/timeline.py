"""Journal records as incident timeline entries.

The incident module owns its event types; this mapping only names the timeline kinds by value
(``mitigation_applied``, ``mitigation_verified``, ``mitigation_reverted``, ``note``) so the
drill can wire a :class:`~onshift.runbook.ports.TimelineSink` to an incident without the two
packages importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onshift.runbook.journal import Record, RecordKind, StepStatus

__all__ = ["TimelineEntry", "to_timeline"]

MITIGATION_APPLIED = "mitigation_applied"
MITIGATION_VERIFIED = "mitigation_verified"
MITIGATION_REVERTED = "mitigation_reverted"
NOTE = "note"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    at: datetime
    kind: str
    action: str
    text: str


def _reading(record: Record) -> str:
    readings = record.data.get("readings")
    if isinstance(readings, list) and readings and isinstance(readings[-1], dict):
        rate = readings[-1].get("burn_rate")
        if isinstance(rate, int | float) and not isinstance(rate, bool):
            return f"; burn rate {rate:g}"
    return ""


def to_timeline(record: Record) -> TimelineEntry:
    """One timeline entry per journal record, with a line a responder can read."""
    action = f"{record.runbook}/{record.step}" if record.step else record.runbook
    kind, text = NOTE, f"runbook {record.runbook}: {record.kind.value}"
    if record.kind is RecordKind.RUN_STARTED:
        text = f"runbook {record.runbook} started ({record.data.get('mode', '')}){_reading(record)}"
    elif record.kind is RecordKind.RUN_RESUMED:
        text = f"runbook {record.runbook} resumed ({record.data.get('mode', '')})"
    elif record.kind is RecordKind.APPLY:
        kind, text = MITIGATION_APPLIED, f"applying {record.step}: {record.data.get('what', '')}"
    elif record.kind is RecordKind.UNDO:
        reason = record.data.get("reason", "")
        if record.status == "unchanged":  # its undo failed, but there was nothing to undo
            text = (
                f"nothing to undo for {record.step} ({reason}): "
                "the target still holds what it held before the step"
            )
        elif record.data.get("ok") is True:
            kind, text = MITIGATION_REVERTED, f"undid {record.step} ({reason})"
        else:
            text = f"could not undo {record.step} ({reason}): {record.data.get('error', '')}"
    elif record.kind is RecordKind.STEP:
        if record.status == StepStatus.VERIFIED:
            kind = MITIGATION_VERIFIED
        text = f"step {record.step}: {record.status}{_reading(record)}"
        note = record.data.get("note")
        text += f" — {note}" if note else ""
    elif record.kind is RecordKind.RUN_FINISHED:
        healthy = record.data.get("steady_state_after")
        state = {True: "healthy", False: "not healthy", None: "health unknown"}.get(
            healthy if isinstance(healthy, bool) else None, "health unknown"
        )
        text = f"runbook {record.runbook} {record.status}; {state}{_reading(record)}"
    return TimelineEntry(at=record.at, kind=kind, action=action, text=text)

"""On-call: escalation policies, schedules, the pure escalation function, notifiers.

HTTP notifiers (webhook, PagerDuty) live in :mod:`onshift.oncall.http` and the iCalendar
import in :mod:`onshift.oncall.ical`; both are imported on demand.
"""

from __future__ import annotations

from onshift.oncall.escalation import (
    DueStep,
    EscalationDecision,
    Recipient,
    escalate,
    escalate_state,
    ladder_anchor,
)
from onshift.oncall.plan import PlanEntry, plan
from onshift.oncall.policy import DEFAULT_ROUTING, EscalationPolicy, Level, Target, TargetKind
from onshift.oncall.schedule import (
    Handoff,
    Layer,
    OnCall,
    Override,
    Restriction,
    Rotation,
    Schedule,
    Shift,
    on_call,
)
from onshift.oncall.specs import OnCallConfig, load_oncall

__all__ = [
    "DEFAULT_ROUTING",
    "DueStep",
    "EscalationDecision",
    "EscalationPolicy",
    "Handoff",
    "Layer",
    "Level",
    "OnCall",
    "OnCallConfig",
    "Override",
    "PlanEntry",
    "Recipient",
    "Restriction",
    "Rotation",
    "Schedule",
    "Shift",
    "Target",
    "TargetKind",
    "escalate",
    "escalate_state",
    "ladder_anchor",
    "load_oncall",
    "on_call",
    "plan",
]

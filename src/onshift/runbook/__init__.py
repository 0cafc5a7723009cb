"""Runbooks: safe, reversible mitigations that run until the service is healthy again.

A runbook file (``kind: Runbook``) is both the document a human reads (``onshift runbook
show``) and the automation that runs (``onshift runbook run``). Steps are tried one at a time;
each is undone unless it verifiably helped, and every change is journaled before it is made.

Wiring it into something else (the drill, a server) takes four ports and a journal::

    registry = default_registry()                      # built-ins + ``onshift.actions`` plugins
    runbook = load_runbook(path, registry)             # SpecError lists every problem
    executor = Executor(
        runbook=runbook, registry=registry,
        target=service,            # Target: describe() / read() / write(Patch)
        probe=slis,                # HealthProbe: burn_rate(window, at) -> float | None
        clock=clock,               # the one injected Clock (SimulatedClock in the drill)
        journal=JournalWriter.create("run.jsonl"),
        commands=SubprocessRunner(),
        mode=Mode.AUTO,            # or INTERACTIVE with an Approver
        sink=timeline,             # TimelineSink: runbook_event(Record); see to_timeline()
    )
    result = executor.run(source_file=str(path), source_text=path.read_text())

After a crash, ``fold(read_journal(path))`` says what is still applied:
``Executor.resume(state)`` carries on, ``Effects.rollback(state)`` undoes it all.
"""

from __future__ import annotations

from onshift.runbook.actions import (
    Action,
    ArgConflicts,
    Args,
    Param,
    ParamType,
    StateAction,
    check_args,
)
from onshift.runbook.builtins import (
    BUILTIN_ACTIONS,
    DeployRollback,
    Exec,
    FlagSet,
    Scale,
    TrafficShift,
)
from onshift.runbook.changes import (
    Change,
    Command,
    JsonValue,
    Patch,
    State,
    apply_patch,
    restore_patch,
)
from onshift.runbook.effects import Effects, RunResult, StepResult
from onshift.runbook.executor import Executor
from onshift.runbook.journal import (
    Applied,
    JournalState,
    JournalWriter,
    Outcome,
    Record,
    RecordKind,
    StepStatus,
    fold,
    read_journal,
)
from onshift.runbook.model import (
    Approval,
    Match,
    Precondition,
    Runbook,
    SteadyState,
    Step,
    Verify,
    suggest,
)
from onshift.runbook.plan import Mode, PlannedStep, Verdict, plan_runbook
from onshift.runbook.ports import (
    Approver,
    CommandResult,
    CommandRunner,
    HealthProbe,
    SubprocessRunner,
    Target,
    TimelineSink,
)
from onshift.runbook.probe import PrometheusFileProbe
from onshift.runbook.registry import ENTRY_POINT_GROUP, ActionRegistry, default_registry
from onshift.runbook.render import render_markdown
from onshift.runbook.report import (
    journal_lines,
    journal_to_json,
    plan_lines,
    plan_to_json,
    result_exit_code,
    result_lines,
    result_to_json,
)
from onshift.runbook.spec import Lint, check_runbook, load_runbook
from onshift.runbook.targets import FlagsFileTarget, HttpFlagsTarget, target_from_ref
from onshift.runbook.timeline import TimelineEntry, to_timeline

__all__ = [
    "BUILTIN_ACTIONS",
    "ENTRY_POINT_GROUP",
    "Action",
    "ActionRegistry",
    "Applied",
    "Approval",
    "Approver",
    "ArgConflicts",
    "Args",
    "Change",
    "Command",
    "CommandResult",
    "CommandRunner",
    "DeployRollback",
    "Effects",
    "Exec",
    "Executor",
    "FlagSet",
    "FlagsFileTarget",
    "HealthProbe",
    "HttpFlagsTarget",
    "JournalState",
    "JournalWriter",
    "JsonValue",
    "Lint",
    "Match",
    "Mode",
    "Outcome",
    "Param",
    "ParamType",
    "Patch",
    "PlannedStep",
    "Precondition",
    "PrometheusFileProbe",
    "Record",
    "RecordKind",
    "RunResult",
    "Runbook",
    "Scale",
    "State",
    "StateAction",
    "SteadyState",
    "Step",
    "StepResult",
    "StepStatus",
    "SubprocessRunner",
    "Target",
    "TimelineEntry",
    "TimelineSink",
    "TrafficShift",
    "Verdict",
    "Verify",
    "apply_patch",
    "check_args",
    "check_runbook",
    "default_registry",
    "fold",
    "journal_lines",
    "journal_to_json",
    "load_runbook",
    "plan_lines",
    "plan_runbook",
    "plan_to_json",
    "read_journal",
    "render_markdown",
    "restore_patch",
    "result_exit_code",
    "result_lines",
    "result_to_json",
    "suggest",
    "target_from_ref",
    "to_timeline",
]

"""In-memory fakes of the runbook ports; re-exported from :mod:`onshift.testing`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from onshift.errors import TargetError
from onshift.runbook.changes import JsonValue, Patch, State, apply_patch
from onshift.runbook.journal import Record
from onshift.runbook.ports import CommandResult, Target

__all__ = [
    "FakeApprover",
    "FakeCommandRunner",
    "FakeTarget",
    "RecordingSink",
    "ScriptedProbe",
]


class FakeTarget:
    """A control surface held in memory. ``writes`` lists every patch applied, in order;
    ``fail_on`` makes writes that touch any of those keys fail like an unreachable service."""

    def __init__(
        self, state: Mapping[str, JsonValue] | None = None, *, fail_on: Iterable[str] = ()
    ) -> None:
        self.state: dict[str, JsonValue] = dict(state or {})
        self.writes: list[Patch] = []
        self.fail_on = set(fail_on)

    def describe(self) -> Mapping[str, str]:
        return {"kind": "fake"}

    def read(self) -> dict[str, JsonValue]:
        return dict(self.state)

    def write(self, patch: Patch) -> None:
        bad = sorted(self.fail_on & set(patch.keys))
        if bad:
            msg = f"fake target refuses to change {', '.join(bad)}"
            raise TargetError(msg)
        self.writes.append(patch)
        self.state = apply_patch(self.state, patch)


class ScriptedProbe:
    """Burn-rate readings computed by ``script(state, at, window)`` from any target's current
    state and the time, so a test can say "the burn rate drops once fallback_model is set"."""

    def __init__(
        self,
        target: Target,
        script: Callable[[State, datetime, timedelta], float | None],
    ) -> None:
        self.target = target
        self.script = script
        self.calls: list[tuple[datetime, timedelta]] = []

    def burn_rate(self, window: timedelta, at: datetime) -> float | None:
        self.calls.append((at, window))
        return self.script(self.target.read(), at, window)


class FakeApprover:
    """Answers from ``answers`` by step id (``default`` otherwise); records what it was asked."""

    def __init__(self, answers: Mapping[str, bool] | None = None, *, default: bool = True) -> None:
        self.answers = dict(answers or {})
        self.default = default
        self.asked: list[tuple[str, str]] = []

    def approve(self, step_id: str, what: str) -> bool:
        self.asked.append((step_id, what))
        return self.answers.get(step_id, self.default)


class FakeCommandRunner:
    """Records every argv; ``returncodes`` maps an argv's first word to its exit code (0)."""

    def __init__(self, returncodes: Mapping[str, int] | None = None) -> None:
        self.returncodes = dict(returncodes or {})
        self.ran: list[tuple[str, ...]] = []

    def run(
        self,
        argv: Sequence[str],
        timeout: timedelta,  # noqa: ARG002 - nothing runs, so nothing times out
    ) -> CommandResult:
        self.ran.append(tuple(argv))
        code = self.returncodes.get(argv[0], 0)
        return CommandResult(returncode=code, stderr="" if code == 0 else "scripted failure")


class RecordingSink:
    """Keeps the journal records it is sent, as the incident timeline would."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def runbook_event(self, record: Record) -> None:
        self.records.append(record)

"""Approval is asked only for a step that will run: its precondition is checked first, and again
once a human has said yes (the service may have changed while the question waited)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from runbook_helpers import flag_step, make_harness

from onshift.runbook import Mode, RecordKind, State, fold, read_journal
from onshift.testing import FakeApprover, FakeTarget

ONLY_ON_PRIMARY = {"flags": {"provider": "primary"}}
ONLY_WHEN_BURNING_FAST = {"burn_rate_above": 10, "window": "5m"}


def sick_until_shed(state: State, at: datetime, window: timedelta) -> float:
    return 0.2 if state.get("shed_load_percent") == 50 else 5.0


def statuses(result: Any) -> list[tuple[str, str, str]]:
    return [(s.step, s.status.value, s.note) for s in result.steps]


@pytest.mark.parametrize(
    ("precondition", "note"),
    [
        (ONLY_ON_PRIMARY, "precondition: provider is 'secondary', not 'primary'"),
        (ONLY_WHEN_BURNING_FAST, "precondition: burn rate 5.0 is not above 10.0"),
    ],
    ids=["flags", "burn rate"],
)
def test_a_step_whose_precondition_fails_is_skipped_without_asking_for_approval(
    harness: Any, precondition: dict[str, Any], note: str
) -> None:
    shed = flag_step("shed", "shed_load_percent", 50, approval="required")
    h = harness(
        [{**shed, "precondition": precondition}, flag_step("cache", "cache", True)],
        sick_until_shed,
        {"provider": "secondary"},
    )
    result = h.run()
    assert h.approver.asked == []
    assert statuses(result)[0] == ("shed", "skipped", note)
    assert "shed_load_percent" not in h.target.state
    skipped = next(r for r in read_journal(h.journal_path) if r.kind is RecordKind.STEP)
    assert (skipped.step, skipped.status, skipped.data["note"]) == ("shed", "skipped", note)


def test_a_step_whose_precondition_holds_is_asked_about_and_then_applied(harness: Any) -> None:
    shed = flag_step("shed", "shed_load_percent", 50, approval="required")
    h = harness(
        [{**shed, "precondition": {**ONLY_ON_PRIMARY, "burn_rate_above": 2, "window": "5m"}}],
        sick_until_shed,
        {"provider": "primary"},
    )
    result = h.run()
    assert h.approver.asked == [("shed", "set shed_load_percent to 50")]
    assert [s.status.value for s in result.steps] == ["verified"]
    step = next(r for r in read_journal(h.journal_path) if r.kind is RecordKind.STEP)
    phases = [r["phase"] for r in step.data["readings"]]
    assert phases[:3] == ["precondition", "precondition_after_approval", "baseline"]


class SlowHuman(FakeApprover):
    """Says yes, but only after someone else has switched the provider over."""

    def __init__(self, target: FakeTarget) -> None:
        super().__init__()
        self.target = target

    def approve(self, step_id: str, what: str) -> bool:
        self.target.state["provider"] = "secondary"
        return super().approve(step_id, what)


def test_a_precondition_that_stops_holding_while_approval_waits_skips_the_step(
    harness: Any,
) -> None:
    shed = flag_step("shed", "shed_load_percent", 50, approval="required")
    h = harness(
        [{**shed, "precondition": ONLY_ON_PRIMARY}, flag_step("cache", "cache", True)],
        sick_until_shed,
        {"provider": "primary"},
    )
    h.approver = SlowHuman(h.target)
    result = h.run()
    assert h.approver.asked == [("shed", "set shed_load_percent to 50")]
    assert statuses(result)[0] == (
        "shed",
        "skipped",
        "approved, but by then precondition: provider is 'secondary', not 'primary'",
    )
    assert [s.step for s in result.steps] == ["shed", "cache"]
    assert "shed_load_percent" not in h.target.state


def test_auto_mode_reports_the_failed_precondition_rather_than_the_missing_approval(
    harness: Any,
) -> None:
    shed = flag_step("shed", "shed_load_percent", 50, approval="required")
    h = harness([{**shed, "precondition": ONLY_ON_PRIMARY}], sick_until_shed, {"provider": "x"})
    result = h.run(Mode.AUTO)
    assert statuses(result) == [("shed", "skipped", "precondition: provider is 'x', not 'primary'")]


class Crash(BaseException):
    """The process dying: not an error the executor may handle."""


def test_a_resumed_run_also_checks_the_precondition_before_asking(tmp_path: Path) -> None:
    crashed = {"yes": False}

    def script(state: State, at: datetime, window: timedelta) -> float:
        if "cache" in state and not crashed["yes"]:
            crashed["yes"] = True
            raise Crash
        return sick_until_shed(state, at, window)

    shed = flag_step("shed", "shed_load_percent", 50, approval="required")
    steps = [flag_step("cache", "cache", True), {**shed, "precondition": ONLY_ON_PRIMARY}]
    h = make_harness(tmp_path, steps, script, {"provider": "secondary"})
    with pytest.raises(Crash):
        h.run()
    journal = fold(read_journal(h.journal_path))
    result = h.executor(resume_seq=journal.next_seq).resume(journal)
    assert h.approver.asked == []
    assert [(s.step, s.status.value) for s in result.steps] == [
        ("cache", "interrupted"),
        ("shed", "skipped"),
    ]
    assert h.target.state == {"provider": "secondary"}

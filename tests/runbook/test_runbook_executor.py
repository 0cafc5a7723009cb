"""The executor on a fake target: undo what does not help, keep what verifies, unwind
newest-first, then check the steady state again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from runbook_helpers import START, VERIFY, flag_step

from onshift.errors import TargetError
from onshift.runbook import (
    JournalWriter,
    Mode,
    Outcome,
    Patch,
    RecordKind,
    State,
    StepStatus,
    to_timeline,
)
from onshift.testing import FakeTarget


def healthy_when(**wanted: Any) -> Any:
    """Burn rate 5 (sick) until every wanted flag holds, then 0.2."""

    def script(state: State, at: datetime, window: timedelta) -> float:
        return 0.2 if all(state.get(k) == v for k, v in wanted.items()) else 5.0

    return script


def statuses(result: Any) -> list[tuple[str, str]]:
    return [(s.step, s.status.value) for s in result.steps]


def test_a_step_that_does_not_help_is_undone_and_the_next_is_tried(harness: Any) -> None:
    h = harness(
        [flag_step("retries", "retries", 3), flag_step("fallback", "fallback_model", "small")],
        healthy_when(fallback_model="small"),
        {"retries": 1},
    )
    result = h.run()
    assert statuses(result) == [("retries", "not_improved"), ("fallback", "verified")]
    assert result.outcome is Outcome.MITIGATED
    assert h.target.state == {"retries": 1, "fallback_model": "small"}
    assert h.target.writes[:2] == [
        Patch(values={"retries": 3}),
        Patch(values={"retries": 1}),
    ]


def test_the_verified_step_stays_applied_and_every_other_change_is_undone(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        rate = 8.0 - 2.0 * (state.get("cache") is True) - 2.0 * (state.get("retries") == 3)
        return 0.5 if state.get("fallback_model") == "small" else rate

    h = harness(
        [
            flag_step("cache", "cache", True),
            flag_step("retries", "retries", 3),
            flag_step("fallback", "fallback_model", "small"),
            flag_step("never-reached", "timeout_s", 5),
        ],
        script,
        {"retries": 1},
    )
    result = h.run()
    assert statuses(result) == [
        ("cache", "improved"),
        ("retries", "improved"),
        ("fallback", "verified"),
    ]
    assert h.target.state == {"retries": 1, "fallback_model": "small"}
    assert result.steady_state_after is True
    assert result.left_applied == ()


def test_undo_runs_newest_first_when_nothing_verifies(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        return 8.0 - sum(1.0 for k in ("cache", "retries", "timeout_s") if k in state)

    h = harness(
        [
            flag_step("cache", "cache", True),
            flag_step("retries", "retries", 3),
            flag_step("timeout", "timeout_s", 20),
        ],
        script,
    )
    result = h.run()
    assert result.outcome is Outcome.NOT_MITIGATED
    assert [s.status for s in result.steps] == [StepStatus.IMPROVED] * 3
    undo_writes = h.target.writes[3:]
    assert undo_writes == [
        Patch(remove=("timeout_s",)),
        Patch(remove=("retries",)),
        Patch(remove=("cache",)),
    ]
    assert h.target.state == {}
    assert result.steady_state_after is False


def test_a_step_that_makes_things_worse_is_undone_at_once_not_at_the_deadline(
    harness: Any,
) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        return 20.0 if state.get("retries") == 10 else 5.0

    h = harness([flag_step("retry-storm", "retries", 10)], script, {"retries": 1})
    result = h.run()
    assert statuses(result) == [("retry-storm", "worse")]
    assert h.target.state == {"retries": 1}
    assert h.clock.now() - START == timedelta(minutes=1)


def test_a_step_that_fails_to_apply_is_undone_and_the_run_goes_on(harness: Any) -> None:
    h = harness(
        [flag_step("breaker", "circuit_breaker", "open"), flag_step("cache", "cache", True)],
        healthy_when(cache=True),
        fail_on=("circuit_breaker",),
    )
    result = h.run()
    assert statuses(result) == [("breaker", "apply_failed"), ("cache", "verified")]
    assert "refuses" in result.steps[0].note
    assert h.target.state == {"cache": True}


def test_auto_mode_applies_only_steps_that_need_no_approval(harness: Any) -> None:
    h = harness(
        [
            flag_step("shed", "shed_load_percent", 50, approval="required"),
            flag_step("cache", "cache", True),
        ],
        healthy_when(shed_load_percent=50),
    )
    result = h.run(Mode.AUTO)
    assert statuses(result) == [("shed", "skipped"), ("cache", "not_improved")]
    assert h.approver.asked == []
    assert "shed_load_percent" not in h.target.state


def test_interactive_mode_asks_and_skips_a_step_the_human_declines(harness: Any) -> None:
    h = harness(
        [
            flag_step("shed", "shed_load_percent", 50, approval="required"),
            flag_step("cache", "cache", True),
        ],
        healthy_when(cache=True),
        approvals={"shed": False},
    )
    result = h.run()
    assert h.approver.asked == [("shed", "set shed_load_percent to 50")]
    assert statuses(result) == [("shed", "skipped"), ("cache", "verified")]


def test_the_approval_question_says_how_much_traffic_each_stage_moves(harness: Any) -> None:
    shift = {
        "id": "shift",
        "description": "shift traffic",
        "action": "traffic.shift",
        "args": {"from": "primary", "to": "secondary"},
        "blast_radius": [10, 50, 100],
        "verify": VERIFY,
        "approval": "required",
    }
    h = harness([shift], lambda s, at, w: 5.0, {"traffic.primary": 100, "traffic.secondary": 0})
    h.approver.default = False
    h.run()
    question = "shift 10 % of traffic from primary to secondary, widening to 50 %, 100 %"
    assert h.approver.asked == [("shift", question + " until it verifies")]


def test_a_step_whose_precondition_fails_is_skipped_untouched(harness: Any) -> None:
    step = flag_step(
        "fallback", "fallback_model", "small", precondition={"flags": {"provider": "primary"}}
    )
    h = harness([step], healthy_when(fallback_model="small"), {"provider": "secondary"})
    result = h.run()
    assert statuses(result) == [("fallback", "skipped")]
    assert h.target.writes == []


def test_a_healthy_service_is_left_alone(harness: Any) -> None:
    h = harness([flag_step("cache", "cache", True)], lambda s, at, w: 0.1)
    result = h.run()
    assert result.outcome is Outcome.ALREADY_HEALTHY
    assert result.steps == ()
    assert h.target.writes == []


def test_blast_radius_widens_only_until_the_step_verifies(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        return 0.5 if state.get("traffic.secondary", 0) >= 50 else 4.0

    shift = {
        "id": "shift",
        "description": "move traffic",
        "action": "traffic.shift",
        "args": {"from": "primary", "to": "secondary"},
        "blast_radius": [10, 50, 100],
        "verify": VERIFY,
    }
    h = harness([shift], script, {"traffic.primary": 100, "traffic.secondary": 0})
    result = h.run()
    assert statuses(result) == [("shift", "verified")]
    assert h.target.state == {"traffic.primary": 50, "traffic.secondary": 50}
    assert h.target.writes == [
        Patch(values={"traffic.primary": 90, "traffic.secondary": 10}),
        Patch(values={"traffic.primary": 50, "traffic.secondary": 50}),
    ]


def test_an_interrupt_unwinds_newest_first_and_checks_the_steady_state(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        if "retries" in state:
            raise KeyboardInterrupt
        return 4.0 - ("cache" in state)

    h = harness(
        [flag_step("cache", "cache", True), flag_step("retries", "retries", 3)],
        script,
    )
    result = h.run()
    assert result.outcome is Outcome.INTERRUPTED
    assert statuses(result) == [("cache", "improved"), ("retries", "interrupted")]
    assert h.target.state == {}
    assert h.target.writes[-2:] == [Patch(remove=("retries",)), Patch(remove=("cache",))]
    assert result.burn_rate_after == 4.0


def test_an_irreversible_step_that_does_not_help_is_reported_as_left_applied(
    harness: Any,
) -> None:
    step = {
        "id": "restart",
        "description": "restart the workers",
        "action": "exec",
        "args": {"argv": ["agentctl", "restart"]},
        "verify": VERIFY,
        "approval": "required",
        "irreversible": True,
    }
    h = harness([step], lambda s, at, w: 5.0)
    result = h.run()
    assert h.commands.ran == [("agentctl", "restart")]
    assert statuses(result) == [("restart", "not_improved")]
    assert result.left_applied == ("restart",)


def test_exec_runs_its_undo_argv_when_it_does_not_help(harness: Any) -> None:
    step = {
        "id": "pause",
        "description": "pause batch jobs",
        "action": "exec",
        "args": {"argv": ["agentctl", "pause"], "undo": ["agentctl", "resume"]},
        "verify": VERIFY,
        "approval": "required",
    }
    h = harness([step], lambda s, at, w: 5.0)
    h.run()
    assert h.commands.ran == [("agentctl", "pause"), ("agentctl", "resume")]


def test_a_failing_command_is_an_apply_failure(harness: Any) -> None:
    step = {
        "id": "pause",
        "description": "pause batch jobs",
        "action": "exec",
        "args": {"argv": ["agentctl", "pause"], "undo": ["agentctl-undo", "resume"]},
        "verify": VERIFY,
        "approval": "required",
    }
    h = harness([step], lambda s, at, w: 5.0, returncodes={"agentctl": 3})
    result = h.run()
    assert statuses(result) == [("pause", "apply_failed")]
    assert "exited with 3" in result.steps[0].note
    assert h.commands.ran[-1] == ("agentctl-undo", "resume")


def test_every_journal_record_is_also_a_timeline_event(harness: Any) -> None:
    h = harness(
        [flag_step("retries", "retries", 3), flag_step("fallback", "fallback_model", "small")],
        healthy_when(fallback_model="small"),
    )
    h.run()
    lines = h.journal_path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [r.to_json() for r in h.sink.records]
    kinds = [r.kind for r in h.sink.records]
    assert kinds[0] is RecordKind.RUN_STARTED
    assert kinds[-1] is RecordKind.RUN_FINISHED
    step_records = [r for r in h.sink.records if r.kind is RecordKind.STEP]
    first = step_records[0].data
    assert {"start", "end", "readings", "note"} <= set(first)
    assert first["readings"][0]["phase"] == "baseline"


def test_the_same_run_writes_the_same_journal_bytes(harness: Any, tmp_path: Any) -> None:
    steps = [flag_step("retries", "retries", 3), flag_step("fallback", "fallback_model", "small")]
    first = harness(steps, healthy_when(fallback_model="small"))
    first.run()
    second = harness(steps, healthy_when(fallback_model="small"))
    second.journal_path = tmp_path / "again.jsonl"
    second.run()
    assert first.journal_path.read_bytes() == second.journal_path.read_bytes()


def test_a_failed_probe_reading_counts_as_no_data_and_is_journaled(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        if "cache" in state:
            raise OSError("prometheus unreachable")
        return 3.0

    h = harness([flag_step("cache", "cache", True)], script)
    result = h.run()
    assert statuses(result) == [("cache", "not_improved")]
    step = next(r for r in h.sink.records if r.kind is RecordKind.STEP)
    errors = [r["error"] for r in step.data["readings"] if r["error"]]
    assert errors
    assert "prometheus unreachable" in errors[0]


def test_journal_records_read_as_an_incident_timeline(harness: Any) -> None:
    h = harness(
        [flag_step("retries", "retries", 3), flag_step("fallback", "fallback_model", "small")],
        healthy_when(fallback_model="small"),
        {"retries": 1},
    )
    h.run()
    entries = [to_timeline(r) for r in h.sink.records]
    assert [(e.kind, e.action) for e in entries] == [
        ("note", "test-runbook"),
        ("mitigation_applied", "test-runbook/retries"),
        ("mitigation_reverted", "test-runbook/retries"),
        ("note", "test-runbook/retries"),
        ("mitigation_applied", "test-runbook/fallback"),
        ("mitigation_verified", "test-runbook/fallback"),
        ("note", "test-runbook"),
    ]
    assert entries[1].text == "applying retries: set retries to 3"
    assert entries[3].text == "step retries: not_improved; burn rate 5 — not better by the deadline"
    assert entries[-1].text == "runbook test-runbook mitigated; healthy; burn rate 0.2"
    assert [e.at - START for e in entries][-1] == timedelta(minutes=11)


class BrokenApprover:
    def approve(self, step_id: str, what: str) -> bool:
        raise RuntimeError("approval service down")


def test_an_unexpected_error_between_steps_aborts_the_run_and_still_unwinds(
    harness: Any,
) -> None:
    h = harness(
        [
            flag_step("cache", "cache", True),
            flag_step("shed", "shed_load_percent", 50, approval="required"),
        ],
        lambda s, at, w: 4.0 - ("cache" in s),
    )
    h.approver = BrokenApprover()
    result = h.run()
    assert result.outcome is Outcome.ABORTED
    assert result.error == "RuntimeError: approval service down"
    assert statuses(result) == [("cache", "improved"), ("shed", "interrupted")]
    assert h.target.state == {}
    assert result.steady_state_after is False


def test_the_steady_state_is_read_after_the_unwind_not_before(harness: Any) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        if state.get("fallback_model") == "small":
            return 0.5 if state.get("cache") is True else 3.0
        return 2.0 if state.get("cache") is True else 4.0

    h = harness(
        [flag_step("cache", "cache", True), flag_step("fallback", "fallback_model", "small")],
        script,
    )
    result = h.run()
    assert statuses(result) == [("cache", "improved"), ("fallback", "verified")]
    assert h.target.state == {"fallback_model": "small"}
    assert result.burn_rate_after == 3.0
    assert result.steady_state_after is False


class FailsOnWrite(FakeTarget):
    """Refuses its n-th write (counting from 1), like a service that went away mid-step."""

    def __init__(self, n: int) -> None:
        super().__init__({"traffic.primary": 100, "traffic.secondary": 0})
        self.n = n
        self.attempts = 0

    def write(self, patch: Patch) -> None:
        self.attempts += 1
        if self.attempts == self.n:
            raise TargetError("flags service unavailable")
        super().write(patch)


def test_a_stage_that_fails_to_apply_undoes_the_earlier_stages_before_the_next_step(
    harness: Any,
) -> None:
    shift = {
        "id": "shift",
        "description": "shift traffic",
        "action": "traffic.shift",
        "args": {"from": "primary", "to": "secondary"},
        "blast_radius": [10, 50],
        "verify": VERIFY,
    }
    h = harness([shift, flag_step("cache", "cache", True)], healthy_when(cache=True))
    h.target = h.probe.target = FailsOnWrite(2)
    result = h.run()
    assert statuses(result) == [("shift", "apply_failed"), ("cache", "verified")]
    # The failed stage is undone too (its write may have landed before the error), then the
    # stage before it, and only then is the next step tried.
    assert h.target.writes == [
        Patch(values={"traffic.primary": 90, "traffic.secondary": 10}),
        Patch(values={"traffic.primary": 90, "traffic.secondary": 10}),
        Patch(values={"traffic.primary": 100, "traffic.secondary": 0}),
        Patch(values={"cache": True}),
    ]


class BrokenSink:
    def runbook_event(self, record: Any) -> None:
        raise ConnectionError("incident store unreachable")


def test_a_timeline_that_is_down_does_not_stop_the_mitigation(harness: Any) -> None:
    h = harness(
        [flag_step("retries", "retries", 3), flag_step("fallback", "fallback_model", "small")],
        healthy_when(fallback_model="small"),
        {"retries": 1},
    )
    h.sink = BrokenSink()
    result = h.run()
    assert statuses(result) == [("retries", "not_improved"), ("fallback", "verified")]
    assert h.target.state == {"retries": 1, "fallback_model": "small"}
    finished = json.loads(h.journal_path.read_text().splitlines()[-1])
    assert len(finished["data"]["timeline_errors"]) == 6  # every record before this one
    assert "ConnectionError: incident store unreachable" in finished["data"]["timeline_errors"][0]


class FullDisk(JournalWriter):
    """A journal whose disk fills up: every append from record ``full_at`` on fails."""

    def __init__(self, path: Any, full_at: int) -> None:
        super().__init__(path)
        self.full_at = full_at

    def append(self, **fields: Any) -> Any:
        if self.next_seq >= self.full_at:
            raise OSError(28, "No space left on device")
        return super().append(**fields)


def test_a_journal_that_cannot_be_written_still_unwinds_everything_newest_first(
    harness: Any,
) -> None:
    h = harness(
        [
            flag_step("cache", "cache", True),
            flag_step("retries", "retries", 3),
            flag_step("fallback", "fallback_model", "small"),
        ],
        lambda s, at, w: 6.0 - ("cache" in s) - ("retries" in s),
    )
    h.journal_path.touch()
    executor = h.executor(resume_seq=1)
    executor.journal = FullDisk(h.journal_path, full_at=6)  # 6: the apply record of "fallback"
    with pytest.raises(OSError, match="No space left"):
        executor.run(source_file="runbook.yaml", source_text=h.text)
    assert h.target.state == {}
    assert h.target.writes[-2:] == [Patch(remove=("retries",)), Patch(remove=("cache",))]

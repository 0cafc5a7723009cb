"""The pure half of the executor: judging readings, approval rules, change descriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onshift.runbook import (
    Approval,
    Command,
    Exec,
    FlagSet,
    Outcome,
    Patch,
    RunResult,
    Step,
    Verdict,
    Verify,
    result_exit_code,
)
from onshift.runbook.plan import describe_change, judge_deadline, judge_reading, needs_approval

VERIFY = Verify(
    burn_rate_below=1,
    window=timedelta(minutes=5),
    within=timedelta(minutes=10),
    every=timedelta(minutes=1),
    worse_factor=1.25,
)


@pytest.mark.parametrize(
    ("baseline", "reading", "verdict"),
    [
        (5.0, 0.99, Verdict.VERIFIED),
        (5.0, 1.0, Verdict.PENDING),
        (5.0, 6.25, Verdict.PENDING),
        (5.0, 6.26, Verdict.WORSE),
        (None, 50.0, Verdict.PENDING),
        (5.0, None, Verdict.PENDING),
    ],
    ids=[
        "below the threshold verifies",
        "at the threshold is not yet healthy",
        "up to the worse factor is tolerated",
        "beyond the worse factor is worse",
        "without a baseline nothing is worse",
        "no data decides nothing",
    ],
)
def test_a_reading_after_a_step_is_judged_against_threshold_and_baseline(
    baseline: float | None, reading: float | None, verdict: Verdict
) -> None:
    assert judge_reading(VERIFY, baseline, reading) is verdict


@pytest.mark.parametrize(
    ("baseline", "last", "verdict"),
    [
        (5.0, 4.0, Verdict.IMPROVED),
        (5.0, 5.0, Verdict.NOT_IMPROVED),
        (None, 4.0, Verdict.NOT_IMPROVED),
        (5.0, None, Verdict.NOT_IMPROVED),
    ],
    ids=["lower is improved", "equal is not", "no baseline is not", "no reading is not"],
)
def test_at_the_deadline_only_a_lower_burn_rate_counts_as_improved(
    baseline: float | None, last: float | None, verdict: Verdict
) -> None:
    assert judge_deadline(baseline, last) is verdict


def step(**extra: object) -> Step:
    base: dict[str, object] = {
        "id": "s",
        "description": "",
        "action": "flag.set",
        "args": {},
        "verify": VERIFY,
    }
    return Step(**{**base, **extra})  # type: ignore[arg-type]


def test_approval_is_needed_when_asked_for_when_irreversible_and_always_for_exec() -> None:
    assert not needs_approval(step(), FlagSet())
    assert needs_approval(step(approval=Approval.REQUIRED), FlagSet())
    assert needs_approval(step(approval=Approval.REQUIRED, irreversible=True), FlagSet())
    assert needs_approval(step(action="exec"), Exec())


def test_an_irreversible_step_without_approval_cannot_even_be_built() -> None:
    with pytest.raises(ValueError, match="needs approval: required"):
        step(irreversible=True)


def test_changes_are_described_against_the_state_they_apply_to() -> None:
    before = {"retries": 1, "cache": True}
    patch = Patch(values={"retries": 3, "fallback_model": "small"}, remove=("cache",))
    assert describe_change(patch, before) == [
        "retries: 1 -> 3",
        'fallback_model: (absent) -> "small"',
        "cache: true -> (removed)",
    ]
    assert describe_change(Command(argv=("agentctl", "pause")), before) == ["run agentctl pause"]
    assert describe_change(None, before) == ["(irreversible: nothing undoes this)"]


def result(outcome: Outcome, *, after: bool | None = True, left: tuple[str, ...] = ()) -> RunResult:
    return RunResult(
        outcome=outcome,
        verified_step=None,
        steps=(),
        burn_rate_after=None,
        steady_state_after=after,
        left_applied=left,
    )


@pytest.mark.parametrize(
    ("run", "code"),
    [
        (result(Outcome.MITIGATED), 0),
        (result(Outcome.MITIGATED, after=None), 0),
        (result(Outcome.MITIGATED, after=False), 1),
        (result(Outcome.ALREADY_HEALTHY), 0),
        (result(Outcome.ALREADY_HEALTHY, after=False), 1),
        (result(Outcome.ROLLED_BACK, after=False), 0),
        (result(Outcome.NOT_MITIGATED, after=False), 1),
        (result(Outcome.ABORTED), 1),
        (result(Outcome.INTERRUPTED), 130),
        (result(Outcome.MITIGATED, left=("restart",)), 1),
    ],
    ids=[
        "mitigated and healthy",
        "mitigated, no data after",
        "mitigated but unhealthy after the unwind",
        "already healthy",
        "healthy on resume, unhealthy once the kept steps were unwound",
        "rolled back",
        "not mitigated",
        "aborted",
        "interrupted",
        "something could not be undone",
    ],
)
def test_the_exit_code_says_whether_the_service_was_left_healthy(run: RunResult, code: int) -> None:
    assert result_exit_code(run) == code

"""Crash safety: every change is journaled before it is made, so a journal left by a crash
rolls the target back exactly, and an interrupted run can be resumed."""

from __future__ import annotations

import json
import string
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runbook_helpers import VERIFY, flag_step, make_harness

from onshift.errors import SpecError
from onshift.runbook import (
    BUILTIN_ACTIONS,
    Effects,
    Executor,
    FlagsFileTarget,
    JournalWriter,
    JsonValue,
    Outcome,
    Patch,
    RecordKind,
    State,
    apply_patch,
    fold,
    read_journal,
)
from onshift.testing import ScriptedProbe


class Crash(BaseException):
    """The process dying: not an error the executor may handle."""


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(string.ascii_letters + "-/.", max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
FLAG_KEYS = ["retries", "fallback_model", "timeout_s", "cache", "kill_switch.tool_search"]


@st.composite
def states(draw: Any) -> dict[str, JsonValue]:
    state: dict[str, JsonValue] = draw(
        st.dictionaries(st.sampled_from([*FLAG_KEYS, "other"]), values, max_size=5)
    )
    likely = st.integers(0, 3).map(bool)  # present three times in four
    for provider in ("primary", "secondary"):
        if draw(likely):
            state[f"traffic.{provider}"] = draw(st.integers(0, 100))
    if draw(likely):
        state["deploy.version"] = draw(st.sampled_from(["v7", "v8"]))
    if draw(likely):
        state["deploy.previous_version"] = draw(st.sampled_from(["v6", "v7"]))
    if draw(likely):
        state["capacity.replicas"] = draw(st.integers(1, 20))
    return state


def args_for(action_id: str) -> st.SearchStrategy[dict[str, JsonValue]]:
    if action_id == "flag.set":
        return st.fixed_dictionaries(
            {"key": st.sampled_from([*FLAG_KEYS, "new.key"]), "value": values}
        )
    if action_id == "traffic.shift":
        return st.fixed_dictionaries(
            {
                "from": st.just("primary"),
                "to": st.just("secondary"),
                "percent": st.integers(1, 100),
            }
        )
    if action_id == "deploy.rollback":
        return st.one_of(st.just({}), st.fixed_dictionaries({"to_version": st.just("v5")}))
    if action_id == "scale":
        return st.one_of(
            st.fixed_dictionaries({"replicas": st.integers(1, 50)}),
            st.fixed_dictionaries({"by": st.integers(-3, 5)}),
        )
    raise AssertionError(action_id)


STATE_ACTIONS = [a for a in BUILTIN_ACTIONS if a.id != "exec"]


def test_every_built_in_action_except_exec_is_covered_below() -> None:
    assert sorted(a.id for a in STATE_ACTIONS) == [
        "deploy.rollback",
        "flag.set",
        "scale",
        "traffic.shift",
    ]


@pytest.mark.parametrize("action", STATE_ACTIONS, ids=lambda a: a.id)
@given(data=st.data())
def test_undo_of_apply_is_the_starting_state(action: Any, data: Any) -> None:
    state = data.draw(states())
    args = data.draw(args_for(action.id))
    try:
        change = action.plan(state, args)
    except ValueError:
        return  # the state does not allow this change: nothing applied, nothing to undo
    undo = action.invert(state, change, args)
    assert isinstance(change, Patch)
    assert isinstance(undo, Patch)
    assert apply_patch(apply_patch(state, change), undo) == state


@pytest.mark.parametrize("action", STATE_ACTIONS, ids=lambda a: a.id)
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_crash_after_apply_leaves_a_journal_that_rolls_the_target_back_exactly(
    action: Any, data: Any
) -> None:
    state = data.draw(states())
    args = data.draw(args_for(action.id))
    step = {
        "id": "the-step",
        "description": "a step",
        "action": action.id,
        "args": args,
        "verify": VERIFY,
    }
    calls = []

    def script(s: State, at: datetime, window: timedelta) -> float:
        calls.append(at)
        if len(calls) == 3:  # steady state before, baseline, then the first verify reading
            raise Crash
        return 5.0

    with tempfile.TemporaryDirectory() as tmp:
        h = make_harness(Path(tmp), [step], script, dict(state))
        with pytest.raises(Crash):
            h.run()
        journal = fold(read_journal(h.journal_path))
        assert not journal.finished
        result = h.executor(resume_seq=journal.next_seq).rollback(journal)
        assert result.outcome is Outcome.ROLLED_BACK
        assert h.target.state == state
        assert fold(read_journal(h.journal_path)).applied == ()


def test_a_crash_between_the_journal_record_and_the_write_still_rolls_back(
    tmp_path: Path,
) -> None:
    h = make_harness(
        tmp_path, [flag_step("cache", "cache", True)], lambda s, at, w: 5.0, {"cache": False}
    )

    def dying_write(patch: Patch) -> None:
        raise Crash

    h.target.write = dying_write  # type: ignore[method-assign]
    with pytest.raises(Crash):
        h.run()
    journal = fold(read_journal(h.journal_path))
    assert [a.step for a in journal.applied] == ["cache"]
    del h.target.write
    h.executor(resume_seq=journal.next_seq).rollback(journal)
    assert h.target.state == {"cache": False}


def test_rollback_undoes_every_stage_of_a_staged_step_newest_first(tmp_path: Path) -> None:
    shift = {
        "id": "shift",
        "description": "move traffic",
        "action": "traffic.shift",
        "args": {"from": "primary", "to": "secondary"},
        "blast_radius": [10, 50],
        "verify": VERIFY,
    }
    readings = iter([5.0, 5.0] + [5.0] * 10)

    def script(s: State, at: datetime, window: timedelta) -> float:
        if s.get("traffic.secondary") == 50:
            raise Crash
        return next(readings)

    start = {"traffic.primary": 100, "traffic.secondary": 0}
    h = make_harness(tmp_path, [shift], script, dict(start))
    with pytest.raises(Crash):
        h.run()
    journal = fold(read_journal(h.journal_path))
    assert [a.stage for a in journal.applied] == [0, 1]
    h.executor(resume_seq=journal.next_seq).rollback(journal)
    assert h.target.state == start
    assert h.target.writes[-2:] == [
        Patch(values={"traffic.primary": 90, "traffic.secondary": 10}),
        Patch(values={"traffic.primary": 100, "traffic.secondary": 0}),
    ]


def test_rollback_also_undoes_the_verified_fix(tmp_path: Path) -> None:
    h = make_harness(
        tmp_path,
        [flag_step("fallback", "fallback_model", "small")],
        lambda s, at, w: 0.3 if "fallback_model" in s else 4.0,
    )
    assert h.run().outcome is Outcome.MITIGATED
    journal = fold(read_journal(h.journal_path))
    assert journal.finished
    assert journal.verified_step == "fallback"
    h.executor(resume_seq=journal.next_seq).rollback(journal)
    assert h.target.state == {}


def test_resume_undoes_the_step_in_flight_and_carries_on_with_the_next(tmp_path: Path) -> None:
    crashed = {"yes": False}

    def script(s: State, at: datetime, window: timedelta) -> float:
        if "cache" in s and not crashed["yes"]:
            crashed["yes"] = True
            raise Crash
        return 0.4 if s.get("fallback_model") == "small" else 4.0

    steps = [flag_step("cache", "cache", True), flag_step("fallback", "fallback_model", "small")]
    h = make_harness(tmp_path, steps, script)
    with pytest.raises(Crash):
        h.run()
    assert h.target.state == {"cache": True}
    journal = fold(read_journal(h.journal_path))
    result = h.executor(resume_seq=journal.next_seq).resume(journal)
    assert [(s.step, s.status.value) for s in result.steps] == [
        ("cache", "interrupted"),
        ("fallback", "verified"),
    ]
    assert h.target.state == {"fallback_model": "small"}
    kinds = [r.kind for r in read_journal(h.journal_path)]
    assert RecordKind.RUN_RESUMED in kinds
    assert kinds[-1] is RecordKind.RUN_FINISHED


def test_resume_leaves_a_service_that_is_healthy_again_alone(tmp_path: Path) -> None:
    crashed = {"yes": False, "recovered": False}

    def script(s: State, at: datetime, window: timedelta) -> float:
        if "retries" in s and not crashed["yes"]:
            crashed["yes"] = True
            raise Crash
        return 0.4 if crashed["recovered"] else 4.0 - ("cache" in s)

    steps = [
        flag_step("cache", "cache", True),
        flag_step("retries", "retries", 3),
        flag_step("fallback", "fallback_model", "small"),
    ]
    h = make_harness(tmp_path, steps, script)
    with pytest.raises(Crash):
        h.run()
    assert h.target.state == {"cache": True, "retries": 3}
    crashed["recovered"] = True  # the provider came back while nobody was running the book
    journal = fold(read_journal(h.journal_path))
    result = h.executor(resume_seq=journal.next_seq).resume(journal)
    assert result.outcome is Outcome.ALREADY_HEALTHY
    assert [(s.step, s.status.value) for s in result.steps] == [("retries", "interrupted")]
    assert h.target.state == {}
    assert result.steady_state_after is True
    finished = read_journal(h.journal_path)[-1]
    assert [r["phase"] for r in finished.data["readings"]] == [
        "steady_state_before",
        "steady_state_after",
    ]


def test_a_torn_last_line_is_dropped_and_cut_off_before_appending(tmp_path: Path) -> None:
    def script(s: State, at: datetime, window: timedelta) -> float:
        if "cache" in s:
            raise Crash
        return 4.0

    h = make_harness(tmp_path, [flag_step("cache", "cache", True)], script)
    with pytest.raises(Crash):
        h.run()
    with h.journal_path.open("a") as out:
        out.write('{"seq": 99, "at": "2026-')
    journal = fold(read_journal(h.journal_path))
    h.executor(resume_seq=journal.next_seq).rollback(journal)
    assert h.target.state == {}
    assert all(line.startswith("{") for line in h.journal_path.read_text().splitlines())
    assert read_journal(h.journal_path)[-1].kind is RecordKind.RUN_FINISHED


def test_a_bad_record_in_the_middle_is_reported_with_its_line(tmp_path: Path) -> None:
    h = make_harness(tmp_path, [flag_step("cache", "cache", True)], lambda s, at, w: 4.0)
    h.run()
    lines = h.journal_path.read_text().splitlines()
    lines[1] = "not json"
    h.journal_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError) as info:
        read_journal(h.journal_path)
    assert [(p.line, p.file) for p in info.value.problems] == [(2, str(h.journal_path))]


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"seq": 1, "at": "2026-01-01T00:00:00Z", "kind": "undo", "runbook": "x"}\n')
    with pytest.raises(SpecError, match="no run_started"):
        read_journal(path)


@pytest.mark.parametrize("action", STATE_ACTIONS, ids=lambda a: a.id)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_on_a_real_flags_file_rollback_after_a_crash_restores_the_file_bytes(
    action: Any, data: Any
) -> None:
    state = data.draw(states())
    args = data.draw(args_for(action.id))
    step = {"id": "s", "description": "a step", "action": action.id, "args": args, "verify": VERIFY}
    calls: list[datetime] = []

    def script(s: State, at: datetime, window: timedelta) -> float:
        calls.append(at)
        if len(calls) == 3:
            raise Crash
        return 5.0

    with tempfile.TemporaryDirectory() as tmp:
        flags = Path(tmp) / "flags.json"
        flags.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n")
        original = flags.read_bytes()
        h = make_harness(Path(tmp), [step], script)
        target = FlagsFileTarget(flags)
        probe = ScriptedProbe(target, script)
        executor = Executor(
            runbook=h.runbook,
            registry=h.registry,
            target=target,
            probe=probe,
            clock=h.clock,
            journal=JournalWriter.create(h.journal_path),
            commands=h.commands,
        )
        with pytest.raises(Crash):
            executor.run(source_file="rb.yaml", source_text=h.text)
        journal = fold(read_journal(h.journal_path))
        Effects(
            name=journal.runbook,
            target=target,
            probe=None,
            clock=h.clock,
            journal=JournalWriter.reopen(h.journal_path, next_seq=journal.next_seq),
            commands=h.commands,
        ).rollback(journal)
        assert flags.read_bytes() == original


def test_a_whole_last_record_without_its_newline_is_kept_when_appending(tmp_path: Path) -> None:
    h = make_harness(tmp_path, [flag_step("cache", "cache", True)], lambda s, at, w: 4.0)
    h.run()
    text = h.journal_path.read_text()
    h.journal_path.write_text(text.rstrip("\n"))
    journal = fold(read_journal(h.journal_path))
    h.executor(resume_seq=journal.next_seq).rollback(journal)
    records = read_journal(h.journal_path)
    assert len(records) == len(text.splitlines()) + 2
    assert [r.seq for r in records] == list(range(1, len(records) + 1))

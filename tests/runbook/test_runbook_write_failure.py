"""A flags file that cannot be written (disk full, permission denied) is left as it was, and the
run says so: the step is not reported as "still applied", and the journal has nothing to undo."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from runbook_helpers import FAST, FLAGS, flag_step, make_harness, probe_file, run_cli, runbook_text

from onshift.clock import SystemClock
from onshift.errors import TargetError
from onshift.runbook import (
    FlagsFileTarget,
    Patch,
    RecordKind,
    State,
    fold,
    read_journal,
    result_lines,
    to_timeline,
)
from onshift.runbook.changes import holds

DISK_FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
NO_ACCESS = OSError(errno.EACCES, os.strerror(errno.EACCES))


def fail(exc: OSError) -> Any:
    def raiser(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raiser


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    live = tmp_path / "live"
    live.mkdir()
    flags = live / "flags.json"
    flags.write_text(json.dumps(FLAGS, indent=2) + "\n")
    runbook = tmp_path / "rb.yaml"
    quick = {**FAST, "within": "300ms"}
    runbook.write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": quick}])
    )
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    return {"flags": flags, "runbook": runbook, "journal": tmp_path / "run.jsonl", "probe": probe}


@pytest.mark.parametrize(
    ("where", "exc", "message"),
    [
        (
            (Path, "replace"),
            DISK_FULL,
            (
                "cannot write the flags file {flags}: No space left on device; the file was left "
                "as it was: free some space and try again"
            ),
        ),
        (
            (tempfile, "mkstemp"),
            NO_ACCESS,
            (
                "cannot write next to the flags file {flags}: Permission denied; the file was "
                "left as it was: let this user write to its directory and try again"
            ),
        ),
    ],
    ids=["disk full", "permission denied"],
)
def test_a_failed_write_says_the_flags_file_was_left_as_it_was_not_still_applied(
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    where: tuple[Any, str],
    exc: OSError,
    message: str,
) -> None:
    original = files["flags"].read_bytes()
    monkeypatch.setattr(*where, fail(exc))
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"])]
    code = run_cli([*args, "--probe", str(files["probe"]), "--journal", str(files["journal"])])
    out, err = capsys.readouterr()
    assert code == 1
    expected = message.format(flags=files["flags"])
    assert out.splitlines() == [
        f"fallback: apply_failed (TargetError: {expected})",
        "outcome: not_mitigated",
        "steady state after: NOT healthy",
    ]
    assert "still applied" not in out + err
    assert "could not undo" not in err
    assert "nothing to undo for fallback (apply failed)" in err
    assert files["flags"].read_bytes() == original
    assert [p.name for p in files["flags"].parent.iterdir()] == ["flags.json"]  # no temp file
    assert fold(read_journal(files["journal"])).applied == ()
    assert run_cli(["runbook", "status", str(files["journal"])]) == 0
    assert "nothing is applied: rollback has nothing to undo" in capsys.readouterr().out


def test_a_journal_from_before_says_still_applied_but_rollback_finds_nothing_to_undo(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    undo = {"kind": "patch", "set": {}, "remove": ["fallback_model"]}
    head = {"runbook": "test-runbook", "at": "2026-01-31T02:00:00Z"}
    records = [
        {**head, "seq": 1, "kind": "run_started", "step": None, "status": None,
         "data": {"target": {"kind": "flags-file", "path": str(files["flags"])}}},
        {**head, "seq": 2, "kind": "apply", "step": "fallback", "status": "applying",
         "data": {"stage": 0, "change": {**undo, "set": {"fallback_model": "small"},
                                         "remove": []}, "undo": undo}},
        {**head, "seq": 3, "kind": "undo", "step": "fallback", "status": "failed",
         "data": {"stage": 0, "reason": "apply failed", "ok": False, "error": "disk full"}},
    ]  # fmt: skip
    files["journal"].write_text("".join(json.dumps(r) + "\n" for r in records))
    original = files["flags"].read_bytes()
    monkeypatch.setattr(Path, "replace", fail(DISK_FULL))  # the disk is still full
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0
    out, err = capsys.readouterr()
    assert "outcome: rolled_back" in out
    assert "still applied" not in out
    assert "nothing to undo for fallback (unwind)" in err
    assert files["flags"].read_bytes() == original
    assert fold(read_journal(files["journal"])).applied == ()


def test_a_change_whose_undo_fails_is_still_applied_and_the_result_says_how_to_undo_it(
    tmp_path: Path,
) -> None:
    def script(state: State, at: datetime, window: timedelta) -> float:
        if "fallback_model" in state:  # applied; from now on the target refuses every write
            h.target.fail_on = {"fallback_model"}
        return 5.0

    h = make_harness(tmp_path, [flag_step("fallback", "fallback_model", "small")], script)
    result = h.run()
    assert result.left_applied == ("fallback",)
    assert h.target.state == {"fallback_model": "small"}
    undos = [r for r in read_journal(h.journal_path) if r.kind is RecordKind.UNDO]
    assert {(r.status, r.data["ok"]) for r in undos} == {("failed", False)}
    assert to_timeline(undos[0]).text.startswith("could not undo fallback (not better by")
    assert result_lines(result, journal="run.jsonl")[-2:] == [
        "still applied (could not be undone): fallback",
        "  fix the cause, then undo it: onshift runbook rollback run.jsonl",
    ]


def test_an_undo_that_fails_where_the_target_already_holds_its_values_is_unchanged(
    tmp_path: Path,
) -> None:
    h = make_harness(
        tmp_path,
        [flag_step("breaker", "circuit_breaker", "open"), flag_step("cache", "cache", True)],
        lambda s, at, w: 0.2 if s.get("cache") is True else 5.0,
        {"circuit_breaker": "closed"},
        fail_on=("circuit_breaker",),
    )
    result = h.run()
    assert [(s.step, s.status.value) for s in result.steps] == [
        ("breaker", "apply_failed"),
        ("cache", "verified"),
    ]
    assert result.left_applied == ()
    undo = next(r for r in read_journal(h.journal_path) if r.kind is RecordKind.UNDO)
    assert (undo.step, undo.status, undo.data["ok"]) == ("breaker", "unchanged", True)
    assert "refuses to change circuit_breaker" in str(undo.data["error"])
    entry = to_timeline(undo)
    assert entry.kind == "note"
    assert entry.text == (
        "nothing to undo for breaker (apply failed): the target still holds what it held "
        "before the step"
    )


@pytest.mark.parametrize(
    ("state", "patch", "expected"),
    [
        ({"k": 1}, Patch(values={"k": 1}), True),
        ({"k": True}, Patch(values={"k": 1}), False),
        ({"k": 1.0}, Patch(values={"k": 1}), False),
        ({"k": {"a": 1, "b": 2}}, Patch(values={"k": {"b": 2, "a": 1}}), True),
        ({}, Patch(values={"k": None}), False),
        ({"k": None}, Patch(values={"k": None}), True),
        ({}, Patch(remove=("k",)), True),
        ({"k": 1}, Patch(remove=("k",)), False),
    ],
    ids=[
        "same value",
        "true is not 1",
        "1.0 is not 1",
        "same object",
        "absent is not null",
        "null",
        "removed",
        "still there",
    ],
)
def test_holds_compares_values_as_json_does(state: State, patch: Patch, expected: bool) -> None:
    assert holds(state, patch) is expected


def test_a_flags_file_write_error_keeps_the_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flags.json"
    path.write_text('{"cache": false}\n')
    monkeypatch.setattr(os, "fsync", fail(DISK_FULL))
    with pytest.raises(TargetError, match="the file was left as it was: free some space"):
        FlagsFileTarget(path).write(Patch(values={"cache": True}))
    assert path.read_text() == '{"cache": false}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["flags.json"]

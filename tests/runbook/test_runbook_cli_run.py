"""``onshift runbook run|resume|rollback`` on a real flags file, with a probe file and the
system clock (verification windows of a fraction of a second)."""

from __future__ import annotations

import fcntl
import io
import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from runbook_helpers import (
    FAST,
    FLAGS,
    START,
    TOKEN,
    FlagsHandler,
    flag_step,
    probe_file,
    run_cli,
    runbook_text,
)

from onshift.cli.runbook_inputs import ConsoleProgress, sigterm_interrupts
from onshift.clock import SimulatedClock, SystemClock
from onshift.runbook import (
    Executor,
    FlagsFileTarget,
    JournalWriter,
    PrometheusFileProbe,
    RecordKind,
    SubprocessRunner,
    default_registry,
    fold,
    load_runbook,
    read_journal,
)
from onshift.testing import ScriptedProbe


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps(FLAGS, indent=2) + "\n")
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": FAST}])
    )
    return {"flags": flags, "runbook": runbook, "journal": tmp_path / "run.jsonl"}


def test_run_applies_a_step_that_verifies_and_journals_it(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = SystemClock().now()
    probe = probe_file(
        tmp_path / "probe.json",
        [(now - timedelta(seconds=1), 6.0), (now + timedelta(seconds=1.5), 0.4)],
    )
    code = run_cli(
        [
            "runbook", "run", str(files["runbook"]), "--target", str(files["flags"]),
            "--probe", str(probe), "--journal", str(files["journal"]), "--auto", "--json",
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 0
    assert report["outcome"] == "mitigated"
    progress = [line.split(" ", 1)[1] for line in captured.err.splitlines()]
    assert progress[1] == 'applying fallback: set fallback_model to "small"'
    assert progress[2].startswith("step fallback: verified; burn rate 0.4")
    assert report["steps"] == [
        {"step": "fallback", "status": "verified", "note": "steady state reached"}
    ]
    assert json.loads(files["flags"].read_text()) == {**FLAGS, "fallback_model": "small"}
    kinds = [r.kind for r in read_journal(files["journal"])]
    assert kinds == [
        RecordKind.RUN_STARTED,
        RecordKind.APPLY,
        RecordKind.STEP,
        RecordKind.RUN_FINISHED,
    ]


def test_run_that_does_not_help_restores_the_flags_file_and_exits_1(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quick = {**FAST, "within": "500ms"}
    files["runbook"].write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": quick}])
    )
    original = files["flags"].read_bytes()
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    code = run_cli(
        [
            "runbook", "run", str(files["runbook"]), "--target", str(files["flags"]),
            "--probe", str(probe), "--journal", str(files["journal"]), "--auto",
        ]
    )  # fmt: skip
    assert code == 1
    out = capsys.readouterr().out
    assert "fallback: not_improved" in out
    assert "outcome: not_mitigated" in out
    assert "steady state after: NOT healthy" in out
    assert files["flags"].read_bytes() == original


def test_dry_run_prints_the_plan_and_touches_nothing(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = files["flags"].stat()
    code = run_cli(
        ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"]), "--dry-run"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert '1. fallback: set fallback_model to "small" [automatic]' in out
    assert 'change  fallback_model: (absent) -> "small"' in out
    assert 'undo    fallback_model: "small" -> (removed)' in out
    after = files["flags"].stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert not files["journal"].exists()


def test_dry_run_json_shows_each_blast_radius_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"traffic.primary": 100, "traffic.secondary": 0}))
    step = {
        "id": "shift",
        "description": "shift",
        "action": "traffic.shift",
        "args": {"from": "primary", "to": "secondary"},
        "blast_radius": [10, 50],
        "approval": "required",
        "verify": FAST,
    }
    rb = tmp_path / "rb.yaml"
    rb.write_text(runbook_text([step]))
    assert (
        run_cli(
            ["runbook", "run", str(rb), "--target", str(flags), "--dry-run", "--auto", "--json"]
        )
        == 0
    )
    plan = json.loads(capsys.readouterr().out)["steps"][0]
    assert plan["runs"] is False
    assert [s["blast_radius"] for s in plan["stages"]] == [10, 50]
    assert plan["stages"][1]["changes"] == [
        "traffic.primary: 90 -> 50",
        "traffic.secondary: 10 -> 50",
    ]
    assert plan["stages"][1]["undo"] == ["traffic.primary: 50 -> 90", "traffic.secondary: 50 -> 10"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--probe: running a runbook needs SLI readings"),
        (["--probe", "nowhere.json"], "nowhere.json: --probe: probe file not found"),
    ],
    ids=["no probe", "missing probe file"],
)
def test_run_without_readings_is_refused_before_anything_changes(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    original = files["flags"].read_bytes()
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"])]
    assert run_cli([*args, "--journal", str(files["journal"]), *extra]) == 2
    assert message in capsys.readouterr().err
    assert files["flags"].read_bytes() == original
    assert not files["journal"].exists()


def test_run_refuses_to_overwrite_an_existing_journal(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files["journal"].write_text("keep me\n")
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"])]
    assert run_cli([*args, "--probe", str(probe), "--journal", str(files["journal"])]) == 2
    assert "a journal already exists here" in capsys.readouterr().err
    assert files["journal"].read_text() == "keep me\n"


def _decline_approval(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> int:
    """Run a one-step runbook whose step needs approval, answering "n" on stdin."""
    files["runbook"].write_text(
        runbook_text(
            [{**flag_step("shed", "shed_load_percent", 20), "verify": FAST, "approval": "required"}]
        )
    )
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"]), *extra]
    return run_cli([*args, "--probe", str(probe), "--journal", str(files["journal"])])


def test_run_asks_before_a_step_that_needs_approval(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert _decline_approval(files, tmp_path, monkeypatch) == 1
    out = capsys.readouterr().out
    assert "shed: skipped (not approved)" in out
    assert json.loads(files["flags"].read_text()) == FLAGS


def test_the_approval_prompt_goes_to_stderr_so_json_output_stays_json(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert _decline_approval(files, tmp_path, monkeypatch, "--json") == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["steps"][0]["status"] == "skipped"
    assert "Apply step 'shed': set shed_load_percent to 20?" in captured.err
    assert json.loads(files["flags"].read_text()) == FLAGS


class Crash(BaseException):
    pass


def crashed_journal(files: dict[str, Path]) -> None:
    """A run on the real flags file that dies after applying its first step."""
    registry = default_registry(points=[])
    text = files["runbook"].read_text()
    target = FlagsFileTarget(files["flags"])
    calls: list[Any] = []

    def script(state: Any, at: datetime, window: timedelta) -> float:
        calls.append(at)
        if len(calls) == 3:
            raise Crash
        return 6.0

    executor = Executor(
        runbook=load_runbook(files["runbook"], registry),
        registry=registry,
        target=target,
        probe=ScriptedProbe(target, script),
        clock=SimulatedClock(START),
        journal=JournalWriter.create(files["journal"]),
        commands=SubprocessRunner(),
    )
    with pytest.raises(Crash):
        executor.run(source_file=str(files["runbook"]), source_text=text)


def test_rollback_from_a_crashed_journal_restores_the_flags_file_exactly(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    original = files["flags"].read_bytes()
    crashed_journal(files)
    assert json.loads(files["flags"].read_text())["fallback_model"] == "small"
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0
    assert files["flags"].read_bytes() == original
    out, err = capsys.readouterr()
    assert "outcome: rolled_back" in out
    assert "steady state not checked after the rollback: give --probe FILE" in err
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0
    assert files["flags"].read_bytes() == original


def test_resume_from_a_crashed_journal_undoes_the_step_in_flight_and_finishes(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = files["flags"].read_bytes()
    crashed_journal(files)
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    code = run_cli(
        ["runbook", "resume", str(files["journal"]), "--probe", str(probe), "--auto", "--json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["steps"] == [{"step": "fallback", "status": "interrupted", "note": ""}]
    assert report["outcome"] == "not_mitigated"
    assert files["flags"].read_bytes() == original
    assert run_cli(["runbook", "resume", str(files["journal"]), "--probe", str(probe)]) == 2
    assert "this run has finished; nothing to resume" in capsys.readouterr().err


def test_rollback_and_resume_refuse_a_journal_another_command_is_still_using(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crashed_journal(files)
    flags, journal = files["flags"].read_bytes(), files["journal"].read_bytes()
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    with files["journal"].open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a run in another process holds it
        assert run_cli(["runbook", "rollback", str(files["journal"])]) == 2
        assert "another onshift command is using this journal" in capsys.readouterr().err
        assert run_cli(["runbook", "resume", str(files["journal"]), "--probe", str(probe)]) == 2
        assert "another onshift command is using this journal" in capsys.readouterr().err
    assert files["flags"].read_bytes() == flags
    assert files["journal"].read_bytes() == journal
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0  # free again


def test_resume_with_stale_readings_is_refused_and_changes_nothing(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crashed_journal(files)
    flags, journal = files["flags"].read_bytes(), files["journal"].read_bytes()
    probe = tmp_path / "probe.json"
    probe.write_text(STALE)
    assert run_cli(["runbook", "resume", str(files["journal"]), "--probe", str(probe)]) == 2
    assert "no burn rate for the 5m window now" in capsys.readouterr().err
    assert files["flags"].read_bytes() == flags
    assert files["journal"].read_bytes() == journal


def test_actions_lists_the_built_ins(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["runbook", "actions", "--json"]) == 0
    ids = [a["id"] for a in json.loads(capsys.readouterr().out)]
    assert ids == ["deploy.rollback", "exec", "flag.set", "scale", "traffic.shift"]


def test_sigterm_during_a_run_unwinds_and_leaves_the_flags_file_as_it_was(
    files: dict[str, Path], tmp_path: Path
) -> None:
    clock = SystemClock()
    slow = {**FAST, "within": "60s"}
    files["runbook"].write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": slow}])
    )
    original = files["flags"].read_bytes()
    probe = probe_file(tmp_path / "probe.json", [(clock.now(), 6.0)])
    argv = [
        sys.executable, "-c", "from onshift.cli.app import main; main()",
        "runbook", "run", str(files["runbook"]), "--target", str(files["flags"]),
        "--probe", str(probe), "--journal", str(files["journal"]), "--auto",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = clock.now() + timedelta(seconds=20)
        while clock.now() < deadline and b"small" not in files["flags"].read_bytes():
            clock.sleep(timedelta(milliseconds=50))
        assert b"small" in files["flags"].read_bytes()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "outcome: interrupted" in out
    assert files["flags"].read_bytes() == original
    last = read_journal(files["journal"])[-1]
    assert (last.kind, last.status) == (RecordKind.RUN_FINISHED, "interrupted")


def test_a_second_interrupt_during_the_unwind_says_how_to_roll_back(
    files: dict[str, Path], tmp_path: Path
) -> None:
    clock = SystemClock()
    started = tmp_path / "undo-started"
    slow_undo = f"import pathlib, time; pathlib.Path({str(started)!r}).touch(); time.sleep(30)"
    step = {
        "id": "pause",
        "description": "pause the batch jobs",
        "action": "exec",
        "args": {"argv": [sys.executable, "-c", "pass"], "undo": [sys.executable, "-c", slow_undo]},
        "approval": "required",
        "verify": {**FAST, "within": "60s"},
    }
    files["runbook"].write_text(runbook_text([step]))
    probe = probe_file(tmp_path / "probe.json", [(clock.now(), 6.0)])
    argv = [
        sys.executable, "-c", "from onshift.cli.app import main; main()",
        "runbook", "run", str(files["runbook"]), "--target", str(files["flags"]),
        "--probe", str(probe), "--journal", str(files["journal"]),
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write("y\n")
        proc.stdin.flush()

        def wait_for(done: Any) -> None:
            deadline = clock.now() + timedelta(seconds=20)
            while clock.now() < deadline and not done():
                clock.sleep(timedelta(milliseconds=50))
            assert done()

        journal = files["journal"]  # the apply record is written before the command runs
        wait_for(lambda: journal.exists() and b'"applying"' in journal.read_bytes())
        proc.send_signal(signal.SIGTERM)
        wait_for(started.exists)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert f"onshift runbook rollback {files['journal']}" in err
    assert "Traceback" not in err
    assert [a.step for a in fold(read_journal(files["journal"])).applied] == ["pause"]


def test_run_and_rollback_against_an_http_flags_endpoint_with_a_token_from_the_environment(
    files: dict[str, Path],
    tmp_path: Path,
    flags_server: tuple[str, type[FlagsHandler]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, handler = flags_server
    monkeypatch.setenv("FLAGS_TOKEN", TOKEN)
    now = SystemClock().now()
    probe = probe_file(
        tmp_path / "probe.json",
        [(now - timedelta(seconds=1), 6.0), (now + timedelta(seconds=1.5), 0.4)],
    )
    common = ["--target-url", url, "--token-env", "FLAGS_TOKEN"]
    code = run_cli(
        ["runbook", "run", str(files["runbook"]), *common, "--probe", str(probe),
         "--journal", str(files["journal"]), "--auto"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert handler.state == {"retries": 1, "fallback_model": "small"}
    start = read_journal(files["journal"])[0]
    assert start.data["target"] == {"kind": "http-flags", "url": url}
    assert TOKEN not in files["journal"].read_text()
    assert (
        run_cli(["runbook", "rollback", str(files["journal"]), "--token-env", "FLAGS_TOKEN"]) == 0
    )
    assert handler.state == {"retries": 1}
    monkeypatch.delenv("FLAGS_TOKEN")
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0  # nothing left to undo
    assert {auth for _, auth in handler.requests} == {f"Bearer {TOKEN}"}


def test_end_of_input_at_an_approval_prompt_stops_and_unwinds(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    files["runbook"].write_text(
        runbook_text(
            [
                {**flag_step("cache", "cache", True), "verify": {**FAST, "within": "2500ms"}},
                {
                    **flag_step("shed", "shed_load_percent", 20),
                    "verify": FAST,
                    "approval": "required",
                },
            ]
        )
    )
    now = SystemClock().now()
    probe = probe_file(
        tmp_path / "probe.json",
        [(now - timedelta(seconds=1), 6.0), (now + timedelta(seconds=1), 5.0)],
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"])]
    assert run_cli([*args, "--probe", str(probe), "--journal", str(files["journal"])]) == 130
    out = capsys.readouterr().out
    assert "cache: improved" in out
    assert "shed: interrupted" in out
    assert "outcome: interrupted" in out
    assert json.loads(files["flags"].read_text()) == FLAGS


def test_rollback_needs_only_the_journal_even_when_its_runbook_no_longer_loads(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = files["flags"].read_bytes()
    crashed_journal(files)
    lines = files["journal"].read_text().splitlines()
    start = json.loads(lines[0])
    start["data"]["text"] = start["data"]["text"].replace("flag.set", "plugin.gone")
    start["data"]["file"] = str(tmp_path / "deleted.yaml")
    files["journal"].write_text("\n".join([json.dumps(start), *lines[1:]]) + "\n")
    files["runbook"].unlink()
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 0.5)])
    assert run_cli(["runbook", "rollback", str(files["journal"]), "--probe", str(probe)]) == 0
    assert files["flags"].read_bytes() == original
    assert "steady state after: healthy" in capsys.readouterr().out


STALE = json.dumps(
    {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"window": "5m"}, "value": [1, "6"]}],
        },
    }
)
WRONG_WINDOW = STALE.replace('"5m"', '"1h"').replace("[1,", f"[{SystemClock().now().timestamp()},")


@pytest.mark.parametrize(
    ("flags", "probe_text", "message"),
    [
        ('{\n  "retries": 1,\n  "cache": }\n', None, "flags.json:3: --target: the flags file"),
        (None, '{"status": "error"}', "probe.json: --probe: the probe file"),
        (None, "{not json", "is not a Prometheus query response (Invalid JSON"),
        (None, STALE, "probe.json: --probe: no burn rate for the 5m window now: its newest"),
        (None, WRONG_WINDOW, "no series for it (the file has windows: 1h); give a series"),
    ],
    ids=[
        "broken flags file",
        "probe file of another shape",
        "probe file not JSON",
        "stale probe",
        "no series for the window",
    ],
)
def test_run_refuses_bad_target_or_probe_files_before_the_journal_exists_with_exit_2(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    flags: str | None,
    probe_text: str | None,
    message: str,
) -> None:
    if flags is not None:
        files["flags"].write_text(flags)
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    if probe_text is not None:
        probe.write_text(probe_text)
    args = ["runbook", "run", str(files["runbook"]), "--target", str(files["flags"])]
    original = files["flags"].read_bytes()
    assert run_cli([*args, "--probe", str(probe), "--journal", str(files["journal"])]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) == 1
    assert not files["journal"].exists()
    assert files["flags"].read_bytes() == original


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "--target-url: not a URL"),
        ("flags.example", "--target-url: expected an http:// or https:// URL"),
        ("file:///etc/flags.json", "--target-url: expected an http:// or https:// URL"),
    ],
)
def test_a_bad_target_url_is_bad_input(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], url: str, message: str
) -> None:
    args = ["runbook", "run", str(files["runbook"]), "--target-url", url, "--dry-run"]
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) == 1


def test_an_http_endpoint_that_does_not_answer_is_a_failure_not_bad_input(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    args = ["runbook", "run", str(files["runbook"]), "--target-url", "http://127.0.0.1:9/flags"]
    assert run_cli([*args, "--probe", str(probe), "--journal", str(files["journal"])]) == 1
    assert "failed" in capsys.readouterr().err
    assert not files["journal"].exists()


def test_status_reads_a_journal_and_says_what_rollback_would_undo(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    crashed_journal(files)
    before = files["journal"].read_bytes()
    assert run_cli(["runbook", "status", str(files["journal"])]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "runbook: test-runbook (NOT finished)",
        f"target: kind=flags-file, path={files['flags']}",
        "still applied; rollback undoes, in this order:",
        "  fallback (stage 0): remove fallback_model",
    ]
    assert files["journal"].read_bytes() == before
    assert run_cli(["runbook", "rollback", str(files["journal"])]) == 0
    capsys.readouterr()
    assert run_cli(["runbook", "status", str(files["journal"]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["finished"] is True
    assert report["applied_newest_first"] == []


def test_progress_on_a_closed_stderr_does_not_stop_the_run(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stderr", closed)
    now = SystemClock().now()
    probe = probe_file(tmp_path / "probe.json", [(now, 6.0), (now + timedelta(seconds=1), 0.4)])
    registry = default_registry(points=[])
    target = FlagsFileTarget(files["flags"])
    executor = Executor(
        runbook=load_runbook(files["runbook"], registry),
        registry=registry,
        target=target,
        probe=PrometheusFileProbe(probe),
        clock=SystemClock(),
        journal=JournalWriter.create(files["journal"]),
        commands=SubprocessRunner(),
        sink=ConsoleProgress(),
    )
    result = executor.run(source_file=str(files["runbook"]), source_text="")
    assert result.verified_step == "fallback"


def test_a_journal_that_cannot_be_written_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "run.jsonl"
    with pytest.raises(typer.Exit) as info, sigterm_interrupts(journal):
        raise OSError(28, "No space left on device")
    assert info.value.exit_code == 1
    err = capsys.readouterr().err
    assert f"error: {journal}: cannot write the journal: No space left on device" in err
    assert f"onshift runbook rollback {journal}" in err

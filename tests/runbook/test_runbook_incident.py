"""A runbook run with --incident writes every journal record onto the incident's timeline."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from runbook_helpers import FAST, flag_step, probe_file, run_cli, runbook_text

from onshift.clock import SystemClock


def _open_incident(db: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code = run_cli(
        ["incident", "open", "--title", "agent 5xx", "--severity", "sev2", "--db", str(db),
         "--json"]
    )  # fmt: skip
    assert code == 0
    return int(json.loads(capsys.readouterr().out)["id"])


def _timeline(db: Path, incident: int, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert run_cli(["incident", "show", str(incident), "--db", str(db), "--json"]) == 0
    shown: dict[str, object] = json.loads(capsys.readouterr().out)
    return shown


def test_a_run_that_mitigates_marks_the_incident_mitigated_with_each_step_on_its_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "incidents.db"
    incident = _open_incident(db, capsys)
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"retries": 1}) + "\n")
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(
        runbook_text(
            [
                {**flag_step("retries", "retries", 3), "verify": {**FAST, "within": "500ms"}},
                {**flag_step("fallback", "fallback_model", "small"), "verify": FAST},
            ]
        )
    )
    now = SystemClock().now()
    # Burning until 2.5 s in, then healthy: the first step's 500 ms verify fails even if the run
    # starts 2 s late on a loaded machine, and the second step's 5 s verify sees the recovery.
    probe = probe_file(
        tmp_path / "probe.json",
        [(now - timedelta(seconds=1), 6.0), (now + timedelta(seconds=2.5), 0.4)],
    )
    code = run_cli(
        ["runbook", "run", str(runbook), "--target", str(flags), "--probe", str(probe),
         "--journal", str(tmp_path / "run.jsonl"), "--auto", "--incident", str(incident),
         "--db", str(db)]
    )  # fmt: skip
    assert code == 0
    capsys.readouterr()
    shown = _timeline(db, incident, capsys)
    assert shown["status"] == "mitigated"
    events = shown["timeline"]
    assert isinstance(events, list)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "opened"
    assert kinds[1:] == [
        "note", "mitigation_applied", "mitigation_reverted", "note",
        "mitigation_applied", "mitigation_verified", "note",
    ]  # fmt: skip
    assert all(e["actor"] == "runbook:test-runbook" for e in events[1:])
    assert events[5]["data"]["action"] == "test-runbook/fallback"
    assert events[6]["data"]["detail"].startswith("step fallback: verified")


def test_an_unknown_incident_is_refused_before_anything_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "incidents.db"
    _open_incident(db, capsys)
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"retries": 1}) + "\n")
    before = flags.read_bytes()
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(runbook_text([{**flag_step("retries", "retries", 3), "verify": FAST}]))
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    journal = tmp_path / "run.jsonl"
    code = run_cli(
        ["runbook", "run", str(runbook), "--target", str(flags), "--probe", str(probe),
         "--journal", str(journal), "--auto", "--incident", "42", "--db", str(db)]
    )  # fmt: skip
    assert code == 2
    assert f"--incident: no incident 42 in {db}" in capsys.readouterr().err
    assert flags.read_bytes() == before
    assert not journal.exists()


def test_a_mistyped_incident_db_is_refused_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"retries": 1}) + "\n")
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(runbook_text([{**flag_step("retries", "retries", 3), "verify": FAST}]))
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    journal = tmp_path / "run.jsonl"
    typo = tmp_path / "incidnets.db"
    code = run_cli(
        ["runbook", "run", str(runbook), "--target", str(flags), "--probe", str(probe),
         "--journal", str(journal), "--auto", "--incident", "1", "--db", str(typo)]
    )  # fmt: skip
    assert code == 2
    assert f"--db: no SQLite database at '{typo}'" in capsys.readouterr().err
    assert not typo.exists()
    assert not journal.exists()

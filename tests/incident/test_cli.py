"""``onshift incident …`` end to end, in-process, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke as run
from tests.conftest import invoke_json as run_json


def test_an_incident_goes_through_its_life_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "inc.db")
    opened = run_json(
        capsys,
        "incident",
        "open",
        "--title",
        "LLM gateway 5xx",
        "--severity",
        "sev2",
        "--service",
        "gateway",
        "--db",
        db,
    )
    assert (opened["id"], opened["status"], opened["severity"]) == (1, "triggered", "sev2")
    assert (
        run_json(capsys, "incident", "ack", "1", "--by", "ann", "--db", db)["acknowledged_by"]
        == "ann"
    )
    run_json(capsys, "incident", "note", "1", "rolled back prompt v42", "--db", db)
    assert run_json(capsys, "incident", "severity", "1", "sev1", "--db", db)["severity"] == "sev1"
    assert run_json(capsys, "incident", "mitigate", "1", "--db", db)["status"] == "mitigated"
    run_json(capsys, "incident", "open", "--title", "slow TTFT", "--severity", "sev4", "--db", db)
    assert run_json(capsys, "incident", "resolve", "1", "--db", db)["status"] == "resolved"
    assert [i["id"] for i in run_json(capsys, "incident", "list", "--db", db)] == [1, 2]
    assert [i["id"] for i in run_json(capsys, "incident", "list", "--open", "--db", db)] == [2]
    shown = run_json(capsys, "incident", "show", "1", "--db", db)
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds == [
        "opened",
        "acknowledged",
        "note",
        "severity_changed",
        "mitigation_verified",
        "resolved",
    ]
    assert shown["timeline"][2]["data"] == {"text": "rolled back prompt v42"}
    assert shown["metrics_s"]["detect"] is None
    assert shown["metrics_s"]["resolve"] >= 0
    code, out, _ = run(capsys, "incident", "show", "1", "--db", db)
    assert code == 0
    assert "note: rolled back prompt v42" in out
    assert "severity changed to sev1" in out


def test_an_illegal_transition_is_one_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "inc.db")
    run_json(capsys, "incident", "open", "--title", "x", "--severity", "sev2", "--db", db)
    run_json(capsys, "incident", "resolve", "1", "--db", db)
    code, _, err = run(capsys, "incident", "ack", "1", "--by", "ann", "--db", db)
    assert code == 2
    assert err == ("error: ID: cannot apply 'acknowledged' to an incident that is resolved\n")
    for args in (["show", "7"], ["ack", "7", "--by", "ann"], ["note", "7", "hi"]):
        code, _, err = run(capsys, "incident", *args, "--db", db)
        assert (code, err) == (2, "error: ID: no incident 7\n")
    # Nothing was written by the refused commands.
    assert len(run_json(capsys, "incident", "show", "1", "--db", db)["timeline"]) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["open", "--title", "x", "--severity", "sev9"], "sev9"),
        (["open", "--title", "  ", "--severity", "sev2"], "--title: the title cannot be empty"),
        (["ack", "one", "--by", "ann"], "Invalid value for 'ID'"),
        (["ack", "1"], "--by"),
        (["ack", "1", "--by", " "], "--by: a name is needed"),
        (["commander", "1", ""], "NAME: a name is needed"),
        (["note", "1", " "], "the note is empty"),
        (["severity", "1", "critical"], "critical"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], needle: str
) -> None:
    db = str(tmp_path / "inc.db")
    run_json(capsys, "incident", "open", "--title", "x", "--severity", "sev2", "--db", db)
    code, _, err = run(capsys, "incident", *args, "--db", db)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_an_unusable_database_url_is_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "incident", "list", "--db", "nosuchdriver://x/y")
    assert code == 2
    assert err.startswith("error: --db: not a usable database URL")


def test_a_db_file_in_a_missing_directory_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "nope" / "inc.db")
    code, _, err = run(capsys, "incident", "open", "--title", "x", "--severity", "sev2", "--db", db)
    assert (code, err) == (
        2,
        f"error: --db: no directory {str(tmp_path / 'nope')!r} for the SQLite file\n",
    )


READ_AND_UPDATE_COMMANDS = [
    ["show", "7"],
    ["list"],
    ["list", "--open"],
    ["metrics"],
    ["ack", "7", "--by", "ann"],
    ["mitigate", "7"],
    ["resolve", "7"],
    ["reopen", "7"],
    ["note", "7", "hi"],
    ["severity", "7", "sev1"],
    ["commander", "7", "ann"],
]


@pytest.mark.parametrize("args", READ_AND_UPDATE_COMMANDS, ids=" ".join)
def test_a_command_that_does_not_open_incidents_refuses_a_missing_sqlite_file_and_creates_none(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    # A typo'd --db must not look like an empty store (and so like lost incidents).
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "incident", *args, "--db", "typo.db")
    assert (code, out) == (2, "")
    assert err == (
        "error: --db: no SQLite database at 'typo.db'"
        " (run 'onshift incident open' to create one, or check the path)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_missing_sqlite_file_in_a_missing_directory_is_refused_the_same_way(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "nope" / "inc.db")
    code, _, err = run(capsys, "incident", "show", "1", "--db", db)
    assert code == 2
    assert err.startswith(f"error: --db: no SQLite database at {db!r}")
    assert not (tmp_path / "nope").exists()


def test_a_sqlite_url_to_a_missing_file_is_refused_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "typo.db"
    code, _, err = run(capsys, "incident", "list", "--db", f"sqlite:///{db}")
    assert code == 2
    assert err.startswith(f"error: --db: no SQLite database at {str(db)!r}")
    assert not db.exists()


def test_only_open_creates_the_sqlite_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "new.db"
    run_json(capsys, "incident", "open", "--title", "x", "--severity", "sev2", "--db", db)
    assert db.is_file()
    assert [i["id"] for i in run_json(capsys, "incident", "list", "--db", db)] == [1]
    # An existing file with no incidents yet (e.g. made by an older onshift) is fine to read.
    empty = tmp_path / "empty.db"
    empty.touch()
    code, out, _ = run(capsys, "incident", "list", "--db", empty)
    assert (code, out) == (0, "no incidents\n")


def test_a_store_failure_is_one_line_with_the_driver_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "inc.db"
    db.write_text("not a database, " * 40)
    code, _, err = run(capsys, "incident", "list", "--db", str(db))
    assert (code, err) == (1, "error: incident store failed: file is not a database\n")


def test_metrics_report_median_and_p90_per_phase(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "inc.db")
    for _ in range(3):
        run_json(
            capsys,
            "incident",
            "open",
            "--title",
            "x",
            "--severity",
            "sev2",
            "--fault-start",
            "2026-01-01T00:00:00Z",
            "--db",
            db,
        )
    run_json(capsys, "incident", "ack", "2", "--by", "ann", "--db", db)
    report = run_json(capsys, "incident", "metrics", "--db", db)
    assert report["incidents"] == 3
    assert report["phases"]["detect"]["count"] == 3
    assert report["phases"]["detect"]["median_s"] > 0
    assert report["phases"]["acknowledge"]["count"] == 1
    assert report["phases"]["resolve"] == {"count": 0, "median_s": None, "p90_s": None}


def test_a_fault_that_starts_after_the_incident_opened_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "incident",
        "open",
        "--title",
        "x",
        "--severity",
        "sev2",
        "--fault-start",
        "2999-01-01T00:00:00Z",
        "--db",
        str(tmp_path / "inc.db"),
    )
    assert (code, err) == (
        2,
        "error: the fault cannot start after the incident was opened\n",
    )


def test_open_with_a_commander_writes_both_events_as_one_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "inc.db"
    opened = run_json(
        capsys,
        "incident",
        "open",
        "--title",
        "x",
        "--severity",
        "sev2",
        "--commander",
        "ann",
        "--db",
        db,
    )
    assert (opened["commander"], opened["events"]) == ("ann", 2)
    shown = run_json(capsys, "incident", "show", "1", "--db", db)
    assert [e["kind"] for e in shown["timeline"]] == ["opened", "commander_assigned"]


def test_a_blank_commander_is_refused_when_opening_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "i.db")
    args = ("open", "--title", "down", "--severity", "sev2", "--commander", "  ", "--db", db)
    code, out, err = run(capsys, "incident", *args)
    assert (code, out) == (2, "")
    assert err == "error: --commander: a name is needed, not an empty string\n"
    assert not Path(db).exists()

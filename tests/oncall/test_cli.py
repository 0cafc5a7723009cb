"""``onshift escalation plan``, ``onshift oncall who|import`` and spec-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onshift.oncall.schedule import on_call
from onshift.oncall.specs import load_oncall
from tests.conftest import invoke as run
from tests.conftest import invoke_json as run_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "oncall"
POLICY = str(EXAMPLES / "policy.yaml")
SCHEDULES = str(EXAMPLES / "schedules.yaml")


def test_plan_lists_who_is_paged_when_if_nobody_acknowledges(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = run_json(
        capsys, "escalation", "plan", POLICY, "--severity", "sev1", "--at", "2026-03-29T06:30:00Z"
    )
    assert rows[:3] == [
        {"after_s": 0, "level": 1, "targets": ["schedule:primary"], "channel": "page"},
        {"after_s": 300, "level": 2, "targets": ["schedule:secondary"], "channel": "page"},
        {"after_s": 900, "level": 3, "targets": ["user:erin"], "channel": "page"},
    ]
    # repeat: 1 → the ladder runs twice.
    assert [r["after_s"] for r in rows[3:]] == [1800, 2100, 2700]


def test_plan_with_schedules_resolves_targets_to_people(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = run_json(
        capsys,
        "escalation",
        "plan",
        POLICY,
        "--severity",
        "sev2",
        "--schedules",
        SCHEDULES,
        "--at",
        "2026-03-29T06:30:00Z",
    )
    assert [r["users"] for r in rows[:3]] == [["ann"], ["ivan"], ["erin"]]


@pytest.mark.parametrize("severity", ["sev3", "sev4"])
def test_plan_for_sev3_and_sev4_is_a_single_ticket(
    capsys: pytest.CaptureFixture[str], severity: str
) -> None:
    rows = run_json(capsys, "escalation", "plan", POLICY, "--severity", severity)
    assert rows == [
        {"after_s": 0, "level": 1, "targets": ["schedule:primary"], "channel": "ticket"}
    ]


def test_the_same_input_gives_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("oncall", "who", SCHEDULES, "--at", "2026-11-01T06:45:00Z", "--json")
    first = run(capsys, *args)
    assert first == run(capsys, *args)


def test_who_is_on_call_reads_yaml_and_ics(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "oncall", "who", SCHEDULES, "--at", "2026-03-29T10:30:00Z")
    assert [(r["schedule"], r["user"], r["source"]) for r in rows] == [
        ("primary", "dave", "override"),
        ("secondary", "ivan", "nights-and-weekends"),
    ]
    assert rows[0]["local_time"] == "2026-03-29T12:30:00+02:00"
    [row] = run_json(
        capsys,
        "oncall",
        "who",
        str(EXAMPLES / "primary.ics"),
        "--time-zone",
        "Europe/Berlin",
        "--at",
        "2026-03-30T07:00:00Z",
    )
    assert (row["user"], row["since"]) == ("ann", "2026-03-30T07:00:00Z")


def test_an_imported_calendar_round_trips_through_the_schedule_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "oncall",
        "import",
        str(EXAMPLES / "primary.ics"),
        "--name",
        "primary",
        "--time-zone",
        "Europe/Berlin",
        "--from",
        "2026-03-01T00:00:00Z",
        "--to",
        "2026-04-15T00:00:00Z",
    )
    assert code == 0, err
    written = tmp_path / "imported.yaml"
    written.write_text(out)
    schedule = load_oncall([written]).schedules["primary"]
    from datetime import UTC, datetime

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert on_call(schedule, at("2026-03-29T01:00:00")).user == "carol"
    assert on_call(schedule, at("2026-03-30T06:59:00")).user == "bob"
    assert on_call(schedule, at("2026-03-30T07:00:00")).user == "ann"


BAD_POLICY = """\
apiVersion: onshift/v1
kind: EscalationPolicy
metadata: {name: p}
spec:
  levels:
    - targets: [user:ann, team:sre]
      ack_timeout: 5 minutes
    - targets: [schedule:primary]
      ack_timout: 5m
  routing:
    sev3: page
"""

BAD_SCHEDULE = """\
apiVersion: onshift/v1
kind: Schedule
metadata: {name: s}
spec:
  time_zone: Europe/Berlin
  layers:
    - name: l
      rotation: {type: weekly, handoff: 10:30, start: 2026-03-02, members: [ann]}
  overrides:
    - {who: bob, from: "2026-03-29T12:00:00", to: "2026-03-29T11:00:00"}
"""


def test_a_bad_policy_reports_every_problem_with_its_line_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BAD_POLICY)
    code, out, err = run(capsys, "escalation", "plan", str(path), "--severity", "sev1")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert any(
        ":9: spec.levels[1].ack_timout: unknown field; did you mean 'ack_timeout'?" in x
        for x in lines
    )
    assert any("spec.levels[1].ack_timeout: required field is missing" in x for x in lines)
    assert "Traceback" not in err


def test_semantic_policy_problems_are_all_reported_together(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BAD_POLICY.replace("      ack_timout: 5m\n", "      ack_timeout: 5m\n"))
    code, _, err = run(capsys, "escalation", "plan", str(path), "--severity", "sev1")
    assert code == 2
    assert err.splitlines() == [
        (
            f"error: {path}:6: spec.levels[0].targets[1]: expected a target such as user:alice or "
            "schedule:primary, got 'team:sre'"
        ),
        (
            f"error: {path}:7: spec.levels[0].ack_timeout: expected a duration such as 5m, 1h, 30d "
            "or 1h30m, got '5 minutes'"
        ),
        (
            f"error: {path}:11: spec.routing.sev3: sev3 never pages anyone, at any hour; "
            "route it to 'ticket'"
        ),
    ]


def test_a_bad_schedule_explains_the_unquoted_time_and_the_backwards_override(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(BAD_SCHEDULE)
    code, _, err = run(capsys, "oncall", "who", str(path))
    assert code == 2
    assert err.splitlines() == [
        (
            f"error: {path}:8: spec.layers[0].rotation.handoff: expected a local time such as "
            '"09:00" (quote it: YAML reads 10:30 unquoted as a number), got 630'
        ),
        f"error: {path}:10: spec.overrides[0].to: must be after 'from'",
    ]


def test_a_date_that_does_not_exist_is_one_located_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        BAD_SCHEDULE.replace("handoff: 10:30", 'handoff: "10:30"')
        .replace("start: 2026-03-02", "start: 2026-02-30")
        .replace('to: "2026-03-29T11:00:00"', "to: 2026-13-29T11:00:00")
    )
    code, out, err = run(capsys, "oncall", "who", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        (
            f"error: {path}:8: spec.layers[0].rotation.start: not a valid date or time "
            "'2026-02-30': day is out of range for month"
        ),
        (
            f"error: {path}:10: spec.overrides[0].to: not a valid date or time "
            "'2026-13-29T11:00:00': month must be in 1..12"
        ),
    ]


def test_a_document_that_is_not_a_mapping_is_named_plainly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(Path(SCHEDULES).read_text() + "---\n- ann\n- bob\n")
    code, _, err = run(capsys, "oncall", "who", str(path))
    assert code == 2
    line = len(Path(SCHEDULES).read_text().splitlines()) + 2
    assert err == (
        f"error: {path}:{line}: expected a mapping with apiVersion, kind, metadata and spec,"
        " got a list\n"
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["oncall", "who", SCHEDULES, "--at", "yesterday"], "--at: expected an ISO-8601 time"),
        (["oncall", "who", SCHEDULES, "--name", "nope"], "no Schedule named 'nope'"),
        (["oncall", "who", "missing.yaml"], "missing.yaml: file not found"),
        (["oncall", "who", str(EXAMPLES / "primary.ics"), "--time-zone", "Mars/Base"], "Mars/Base"),
        (["escalation", "plan", SCHEDULES, "--severity", "sev1"], "expected one EscalationPolicy"),
        (
            ["escalation", "plan", POLICY, "--severity", "sev1", "--name", "x"],
            "no EscalationPolicy",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert needle in err
    assert len(err.splitlines()) == 1


def test_a_policy_naming_a_schedule_that_is_not_given_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    only_secondary = tmp_path / "s.yaml"
    only_secondary.write_text(Path(SCHEDULES).read_text().split("---\n")[1])
    code, _, err = run(
        capsys,
        "escalation",
        "plan",
        POLICY,
        "--severity",
        "sev1",
        "--schedules",
        str(only_secondary),
    )
    assert code == 2
    assert "policy 'llm-gateway' names schedule 'primary', not given" in err


def test_escalation_tick_pages_the_due_incidents_of_the_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "inc.db")
    code, _, err = run(
        capsys,
        "incident",
        "open",
        "--title",
        "gateway down",
        "--severity",
        "sev1",
        "--policy",
        "llm-gateway",
        "--db",
        db,
    )
    assert code == 0, err
    run(capsys, "incident", "open", "--title", "slow", "--severity", "sev4", "--db", db)
    code, out, err = run(capsys, "escalation", "tick", POLICY, SCHEDULES, "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("PAGE → ")
    assert lines[0].endswith("via schedule:primary (level 1) [sev1] incident 1: gateway down")
    assert lines[1].startswith("TICKET → ")
    assert lines[-1] == "2 incidents checked: 1 pages, 1 tickets, 0 failed deliveries"
    # Nothing more is due right away: a second tick pages nobody.
    assert run_json(capsys, "escalation", "tick", POLICY, SCHEDULES, "--db", db) == {
        "incidents": 0,
        "pages": 0,
        "tickets": 0,
        "failures": 0,
        "unrouted": 0,
    }


def test_tick_refuses_a_mistyped_db_instead_of_paging_nobody(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    typo = tmp_path / "incidnets.db"
    code, out, err = run(capsys, "escalation", "tick", POLICY, SCHEDULES, "--db", str(typo))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: --db: no SQLite database at '{typo}'")
    assert not typo.exists()

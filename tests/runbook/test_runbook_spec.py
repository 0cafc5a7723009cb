"""Runbook files: lint errors with file, line and field path; warnings; the Markdown doc; the
shipped examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from runbook_helpers import flag_step, runbook_text

from onshift.cli.app import main
from onshift.errors import SpecError
from onshift.runbook import (
    Mode,
    Runbook,
    check_runbook,
    default_registry,
    load_runbook,
    plan_runbook,
    render_markdown,
    suggest,
)

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "runbooks").glob("*.yaml"))

BAD = """\
apiVersion: onshift/v1
kind: Runbook
metadata:
  name: bad
spec:
  steady_state: {burn_rate_below: 1, window: 5m}
  steps:
    - id: no-verify
      description: nothing says whether it helped
      action: flag.set
      args: {key: retries, value: 3}
    - id: unknown-action
      description: a typo
      action: flag.sett
      verify: {burn_rate_below: 1, window: 5m, within: 10m}
    - id: bad-args
      description: wrong arguments
      action: traffic.shift
      args: {from: primary, too: secondary, percent: 150}
      verify: {burn_rate_below: 1, window: 5m, within: 10m}
    - id: restart
      description: no undo, not marked
      action: exec
      args: {argv: [agentctl, restart]}
      verify: {burn_rate_below: 1, window: 5m, within: 10m}
    - id: reboot
      description: irreversible without approval
      action: exec
      args: {argv: [agentctl, reboot]}
      irreversible: true
      verify: {burn_rate_below: 1, window: 5m, within: 10m}
"""


def lint_of(tmp_path: Path, text: str) -> tuple[list[tuple[int | None, str]], list[str]]:
    path = tmp_path / "rb.yaml"
    path.write_text(text)
    lint = check_runbook(path, default_registry(points=[]))
    return [(p.line, p.path) for p in lint.errors], [p.message for p in lint.errors]


def test_lint_reports_every_problem_with_its_line_and_field_path(tmp_path: Path) -> None:
    where, messages = lint_of(tmp_path, BAD)
    assert where == [
        (8, "spec.steps[0].verify"),
        (14, "spec.steps[1].action"),
        (19, "spec.steps[2].args.too"),
        (19, "spec.steps[2].args.to"),
        (19, "spec.steps[2].args.percent"),
        (21, "spec.steps[3]"),
        (30, "spec.steps[4].irreversible"),
    ]
    assert messages[0].startswith("missing verify")
    assert "did you mean 'flag.set'?" in messages[1]
    assert "unknown argument of traffic.shift" in messages[2]
    assert messages[3] == "required argument of traffic.shift is missing"
    assert messages[4] == "must be at most 100"
    assert messages[5].startswith("missing undo: exec cannot undo this step")
    assert messages[6] == "an irreversible step needs approval: required"


def test_check_exits_2_with_one_message_per_problem_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(BAD)
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 7
    assert errors[0] == (
        f"error: {path}:8: spec.steps[0].verify: missing verify: say how to tell the step "
        "helped (e.g. burn_rate_below: 1, window: 5m, within: 10m)"
    )
    assert "Traceback" not in err


def test_check_json_lists_errors_and_warnings_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(BAD)
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", "--json", str(path)])
    assert info.value.code == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert len(report["errors"]) == 7
    assert report["errors"][0]["line"] == 8
    assert {w["path"] for w in report["warnings"]} == {
        "spec.match",
        "spec.steps[3].approval",
        "spec.steps[4].approval",
    }


def test_warnings_print_but_check_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = {
        "id": "slow-check",
        "action": "flag.set",
        "args": {"key": "cache", "value": True},
        "verify": {"burn_rate_below": 1, "window": "1h", "within": "10m"},
    }
    path = tmp_path / "rb.yaml"
    path.write_text(runbook_text([step]))
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", str(path)])
    assert info.value.code == 0
    out, err = capsys.readouterr()
    assert "ok (2 warning(s))" in out
    assert "spec.steps[0].description: say what this step does" in err
    assert "spec.steps[0].verify.within: the 1h burn-rate window still holds" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: Runbook\n  bad: [", "not valid YAML"),
        ("apiVersion: onshift/v1\nkind: Runbook\nmetadata: {name: x}\n", "spec: required field"),
        (
            runbook_text(
                [{"id": "a", "action": "flag.set", "args": {"key": "k", "value": 1}, "vrfy": {}}]
            ),
            "unknown field; did you mean 'verify'?",
        ),
        (
            runbook_text(
                [
                    {
                        "id": "a",
                        "action": "flag.set",
                        "args": {"key": "k", "value": 1},
                        "verify": {"burn_rate_below": 1, "window": "5 minutes", "within": "1m"},
                    }
                ]
            ),
            "verify.window: expected a duration such as 5m",
        ),
        (
            runbook_text(
                [
                    {
                        "id": "a",
                        "action": "flag.set",
                        "args": {"key": "k", "value": 1},
                        "blast_radius": [10, 50],
                        "verify": {"burn_rate_below": 1, "window": "5m", "within": "10m"},
                    }
                ]
            ),
            "flag.set has no blast radius to stage",
        ),
    ],
    ids=["yaml syntax", "missing spec", "misspelt field", "bad duration", "blast radius"],
)
def test_bad_runbook_files_get_a_clear_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", str(path)])
    assert info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert errors
    assert all(line.startswith(f"error: {path}") for line in errors)
    assert any(expected in line for line in errors)


def test_loading_a_runbook_with_errors_raises_one_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(BAD)
    with pytest.raises(SpecError) as info:
        load_runbook(path, default_registry(points=[]))
    assert len(info.value.problems) == 7


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_shipped_runbook_passes_check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", str(path)])
    assert info.value.code == 0
    assert capsys.readouterr().err == ""


def test_runbooks_ship_for_each_failure_mode_the_drill_simulates() -> None:
    assert [p.stem for p in EXAMPLES] == [
        "bad-deploy",
        "provider-5xx-storm",
        "provider-brownout",
        "rate-limit-quota",
        "runaway-cost",
    ]


def test_show_renders_the_runbook_as_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    path = next(p for p in EXAMPLES if p.stem == "provider-5xx-storm")
    with pytest.raises(SystemExit) as info:
        main(["runbook", "show", str(path)])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("# Model provider 5xx storm\n")
    assert "### 3. Move traffic from the primary to the secondary provider, 10 % first." in out
    assert "- **blast radius:** 10 % → 50 % → 100 % (percent)" in out
    assert "- **approval:** **required** — a human confirms" in out
    assert "- **undo:** automatic — restores the previous values of what it changed" in out
    assert out == render_markdown(load_runbook(path, default_registry()), default_registry())


def test_an_irreversible_step_is_shown_as_such() -> None:
    step = {
        "id": "reboot",
        "description": "reboot",
        "action": "exec",
        "args": {"argv": ["agentctl", "reboot"]},
        "irreversible": True,
        "approval": "required",
        "verify": {"burn_rate_below": 1, "window": "5m", "within": "10m"},
    }
    registry = default_registry(points=[])
    runbook = load_runbook("rb.yaml", registry, text=runbook_text([step]))
    assert "- **undo:** none — **irreversible**" in render_markdown(runbook, registry)


def test_runbooks_are_suggested_by_alert_slo_and_symptoms() -> None:
    registry = default_registry(points=[])
    books: list[Runbook] = [load_runbook(p, registry) for p in EXAMPLES]
    names = [rb.name for rb in suggest(books, symptoms=["http_429"])]
    assert names == ["rate-limit-quota"]
    by_alert = [rb.name for rb in suggest(books, alert="AgentLatencyBudgetBurn")]
    assert by_alert == ["bad-deploy", "provider-brownout"]
    best = suggest(books, alert="AgentAvailabilityBudgetBurn", symptoms=["provider_529"])
    assert best[0].name == "provider-brownout"
    assert suggest(books, symptoms=["unheard-of"]) == []


GOLDEN = Path(__file__).parent / "golden"


def test_show_matches_the_reviewed_golden_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    path = next(p for p in EXAMPLES if p.stem == "provider-5xx-storm")
    with pytest.raises(SystemExit):
        main(["runbook", "show", str(path)])
    assert capsys.readouterr().out == (GOLDEN / "provider-5xx-storm.md").read_text()


def test_dry_run_matches_the_reviewed_golden_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps({"retries": 0, "traffic.primary": 100, "traffic.secondary": 0}))
    path = next(p for p in EXAMPLES if p.stem == "provider-5xx-storm")
    with pytest.raises(SystemExit):
        main(["runbook", "run", str(path), "--target", str(flags), "--dry-run"])
    assert capsys.readouterr().out == (GOLDEN / "provider-5xx-storm.dry-run.txt").read_text()


def test_suggest_ranks_the_shipped_runbooks_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = str(EXAMPLES[0].parent)
    args = ["runbook", "suggest", folder, "--alert", "AgentAvailabilityBudgetBurn"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--symptom", "provider_529", "--symptom", "overloaded", "--json"])
    assert info.value.code == 0
    found = json.loads(capsys.readouterr().out)
    assert found[0] == {
        "name": "provider-brownout",
        "title": "Model provider brownout (latency, 529 overloaded)",
        "file": str(EXAMPLES[0].parent / "provider-brownout.yaml"),
    }
    assert [f["name"] for f in found[1:]] == [
        "bad-deploy",
        "provider-5xx-storm",
        "rate-limit-quota",
    ]


def test_an_unknown_action_is_reported_in_the_same_pass_as_a_misspelt_field(
    tmp_path: Path,
) -> None:
    steps = [
        {**flag_step("a", "retries", 2), "aproval": "required"},
        {**flag_step("b", "cache", True), "action": "flag.sett"},
    ]
    path = tmp_path / "rb.yaml"
    path.write_text(runbook_text(steps))
    lint = check_runbook(path, default_registry(points=[]))
    assert [(p.path, p.message.split(" (")[0]) for p in lint.errors] == [
        ("spec.steps[0].aproval", "unknown field; did you mean 'approval'?"),
        ("spec.steps[1].action", "unknown action 'flag.sett'; did you mean 'flag.set'?"),
    ]


def test_suggest_still_ranks_the_good_runbooks_when_one_file_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for example in EXAMPLES:
        (tmp_path / example.name).write_bytes(example.read_bytes())
    (tmp_path / "broken.yaml").write_text("apiVersion: onshift/v1\nkind: Runbook\nmetadata: {\n")
    with pytest.raises(SystemExit) as info:
        main(["runbook", "suggest", str(tmp_path), "--alert", "AgentAvailabilityBudgetBurn"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == [
        "bad-deploy",
        "provider-5xx-storm",
        "provider-brownout",
        "rate-limit-quota",
    ]
    assert err.startswith(f"error: {tmp_path / 'broken.yaml'}:")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("step", "path", "message"),
    [
        (
            {"verify": {"burn_rate_below": 1, "window": "5m", "within": "1m", "every": "2m"}},
            "spec.steps[0].verify.every",
            "must not be longer than 'within'",
        ),
        (
            {"precondition": {"burn_rate_above": 2}},
            "spec.steps[0].precondition",
            "burn_rate_above and window go together",
        ),
        (
            {"args": {"key": "cutover", "value": datetime(2026, 1, 1, tzinfo=UTC)}},
            "spec.steps[0].args.value",
            "must be a plain JSON value (string, number, boolean, list, mapping), got a datetime",
        ),
        ({"approval": "maybe"}, "spec.steps[0].approval", "Input should be 'none' or 'required'"),
    ],
    ids=["every beyond within", "half a precondition", "a date argument", "bad approval"],
)
def test_more_lint_errors_name_their_field(
    tmp_path: Path, step: dict[str, object], path: str, message: str
) -> None:
    base = {
        "id": "s",
        "description": "d",
        "action": "flag.set",
        "args": {"key": "cache", "value": True},
        "verify": {"burn_rate_below": 1, "window": "5m", "within": "10m"},
    }
    file = tmp_path / "rb.yaml"
    file.write_text(runbook_text([{**base, **step}]))
    lint = check_runbook(file, default_registry(points=[]))
    assert [(p.path, message in p.message) for p in lint.errors] == [(path, True)]


def test_duplicate_step_ids_are_an_error(tmp_path: Path) -> None:
    step = {
        "id": "same",
        "description": "d",
        "action": "flag.set",
        "args": {"key": "cache", "value": True},
        "verify": {"burn_rate_below": 1, "window": "5m", "within": "10m"},
    }
    file = tmp_path / "rb.yaml"
    file.write_text(runbook_text([step, step]))
    lint = check_runbook(file, default_registry(points=[]))
    assert [(p.path, p.message) for p in lint.errors] == [
        ("spec.steps[1].id", "step id 'same' is used twice")
    ]


def test_marking_an_undoable_step_irreversible_is_a_warning(tmp_path: Path) -> None:
    step = {
        "id": "s",
        "description": "d",
        "action": "flag.set",
        "args": {"key": "cache", "value": True},
        "irreversible": True,
        "approval": "required",
        "verify": {"burn_rate_below": 1, "window": "5m", "within": "10m"},
    }
    file = tmp_path / "rb.yaml"
    file.write_text(runbook_text([step]))
    lint = check_runbook(file, default_registry(points=[]))
    assert lint.errors == ()
    assert [(p.path, p.message) for p in lint.warnings] == [
        ("spec.steps[0].irreversible", "flag.set undoes this step automatically")
    ]


def test_a_verify_threshold_looser_than_the_steady_state_is_a_warning(tmp_path: Path) -> None:
    step = {
        "id": "s",
        "description": "d",
        "action": "flag.set",
        "args": {"key": "cache", "value": True},
        "verify": {"burn_rate_below": 2, "window": "5m", "within": "10m"},
    }
    file = tmp_path / "rb.yaml"
    file.write_text(runbook_text([step]))
    lint = check_runbook(file, default_registry(points=[]))
    assert lint.errors == ()
    assert [(p.line, p.path) for p in lint.warnings] == [
        (21, "spec.steps[0].verify.burn_rate_below")
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_step_of_a_shipped_runbook_can_be_planned_against_the_sample_flags(
    path: Path,
) -> None:
    registry = default_registry(points=[])
    flags = json.loads((path.parent / "agent-flags.json").read_text())
    plan = plan_runbook(load_runbook(path, registry), registry, flags, Mode.INTERACTIVE)
    assert [(p.step, p.error) for p in plan if p.error] == []
    assert all(p.stages for p in plan)

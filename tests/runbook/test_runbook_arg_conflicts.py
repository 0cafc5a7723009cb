"""Arguments that conflict whatever the target holds are spec errors at ``runbook check`` and
at load, with file, line and field path, one per conflict; not failures found at run time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runbook_helpers import VERIFY, runbook_text

from onshift.cli.app import main
from onshift.errors import SpecError
from onshift.runbook import (
    ActionRegistry,
    ArgConflicts,
    Args,
    FlagSet,
    Param,
    ParamType,
    Patch,
    State,
    check_runbook,
    default_registry,
    load_runbook,
)
from onshift.runbook.changes import Change

SAME_PROVIDER = "'from' and 'to' name the same provider ('primary'): nothing moves"
NO_SHARE = "must be more than 0: shifting 0 % moves no traffic"
SAME_FLAG = (
    "'key' and 'previous_key' name the same flag ('deploy.version'): the rollback would "
    "write the current version straight back"
)


def step(action: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "s",
        "description": "d",
        "action": action,
        "args": args,
        "verify": VERIFY,
        **extra,
    }


def write(tmp_path: Path, *steps: dict[str, Any]) -> Path:
    path = tmp_path / "rb.yaml"
    path.write_text(runbook_text(list(steps)))
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


SAME_PREVIOUS = SAME_FLAG.replace("deploy.version", "deploy.previous_version")
BOTH = "give exactly one of 'replicas' and 'by', not both"
TO = {"from": "primary", "to": "secondary"}


@pytest.mark.parametrize(
    ("action", "args", "field", "message"),
    [
        ("traffic.shift", {**TO, "to": "primary", "percent": 10}, "to", SAME_PROVIDER),
        ("traffic.shift", {**TO, "percent": 0}, "percent", NO_SHARE),
        ("deploy.rollback", {"previous_key": "deploy.version"}, "previous_key", SAME_FLAG),
        ("deploy.rollback", {"key": "deploy.previous_version"}, "key", SAME_PREVIOUS),
        (
            "deploy.rollback",
            {"key": "v", "previous_key": "v"},
            "previous_key",
            SAME_FLAG.replace("'deploy.version'", "'v'"),
        ),
        ("scale", {"replicas": 4, "by": 1}, "by", BOTH),
    ],
    ids=[
        "traffic.shift from equals to",
        "traffic.shift of 0 %",
        "deploy.rollback previous_key is the version key",
        "deploy.rollback key is the previous-version key",
        "deploy.rollback key equals previous_key",
        "scale with replicas and by",
    ],
)
def test_an_argument_conflict_is_one_spec_error_at_its_field(
    tmp_path: Path, action: str, args: dict[str, Any], field: str, message: str
) -> None:
    path = write(tmp_path, step(action, args))
    lint = check_runbook(path, default_registry(points=[]))
    assert [(p.file, p.line, p.path, p.message) for p in lint.errors] == [
        (str(path), line_of(path, f"{field}:"), f"spec.steps[0].args.{field}", message)
    ]
    with pytest.raises(SpecError) as info:
        load_runbook(path, default_registry(points=[]))
    assert [p.message for p in info.value.problems] == [message]


def test_scale_without_replicas_or_by_is_reported_at_its_args(tmp_path: Path) -> None:
    path = write(tmp_path, step("scale", {"key": "workers"}))
    lint = check_runbook(path, default_registry(points=[]))
    assert [(p.line, p.path, p.message) for p in lint.errors] == [
        (
            line_of(path, "key: workers"),  # where the args mapping starts
            "spec.steps[0].args",
            "give exactly one of 'replicas' (a count) and 'by' (a step)",
        )
    ]


def test_every_conflict_of_a_step_is_reported_in_one_pass(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        step("traffic.shift", {"from": "primary", "to": "primary", "percent": 0}),
        {**step("scale", {"replicas": 2, "by": 1}), "id": "t"},
    )
    lint = check_runbook(path, default_registry(points=[]))
    assert [(p.path, p.message) for p in lint.errors] == [
        ("spec.steps[0].args.to", SAME_PROVIDER),
        ("spec.steps[0].args.percent", NO_SHARE),
        ("spec.steps[1].args.by", BOTH),
    ]


def test_a_conflict_is_judged_only_on_arguments_of_the_right_type(tmp_path: Path) -> None:
    path = write(tmp_path, step("traffic.shift", {"from": 1, "to": 1, "percent": 10}))
    lint = check_runbook(path, default_registry(points=[]))
    assert [p.path for p in lint.errors] == ["spec.steps[0].args.from", "spec.steps[0].args.to"]
    assert all(p.message == "expected a non-empty string, got 1" for p in lint.errors)


def test_a_staged_traffic_shift_between_two_providers_is_fine(tmp_path: Path) -> None:
    args = {"from": "primary", "to": "secondary"}
    path = write(tmp_path, step("traffic.shift", args, blast_radius=[10, 50], approval="required"))
    assert check_runbook(path, default_registry(points=[])).errors == ()


def test_runbook_check_exits_2_with_file_line_and_field_for_a_conflict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, step("traffic.shift", {"from": "primary", "to": "primary"}))
    path.write_text(
        path.read_text().replace("args:", "blast_radius: [10]\n    approval: required\n    args:")
    )
    with pytest.raises(SystemExit) as info:
        main(["runbook", "check", str(path)])
    assert info.value.code == 2
    line = line_of(path, "to: primary")
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}:{line}: spec.steps[0].args.to: {SAME_PROVIDER}"
    ]


class Drain:
    """A plugin action whose arguments can conflict, declared the way built-ins do."""

    id = "lb.drain"
    summary = "Drain a backend into another"
    params = (
        Param(name="backend", type=ParamType.STRING),
        Param(name="into", type=ParamType.STRING),
    )
    radius_param = None
    always_needs_approval = False

    def reversible(self, args: Args) -> bool:
        return True

    def plan(self, state: State, args: Args) -> Change:
        return Patch(values={f"drain.{args['backend']}": args["into"]})

    def invert(self, before: State, change: Change, args: Args) -> Change | None:
        return FlagSet().invert(before, change, args)

    def describe(self, args: Args) -> str:
        return "drain"

    def conflicts(self, args: Args) -> list[tuple[str, str]]:
        if args.get("backend") == args.get("into"):
            return [("into", "cannot drain a backend into itself")]
        return []


def test_a_plugin_action_reports_its_own_conflicts_the_same_way(tmp_path: Path) -> None:
    assert isinstance(Drain(), ArgConflicts)
    path = write(tmp_path, step("lb.drain", {"backend": "a", "into": "a"}))
    lint = check_runbook(path, ActionRegistry([Drain()]))
    assert [(p.path, p.message) for p in lint.errors] == [
        ("spec.steps[0].args.into", "cannot drain a backend into itself")
    ]

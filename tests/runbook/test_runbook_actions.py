"""Built-in actions, argument checking, and the registry that plugins share with built-ins."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from onshift.errors import InputError, NotFoundError
from onshift.runbook import (
    ENTRY_POINT_GROUP,
    ActionRegistry,
    Command,
    DeployRollback,
    Exec,
    FlagSet,
    Patch,
    Scale,
    TrafficShift,
    check_args,
    default_registry,
)


def test_flag_set_sets_one_key_and_knows_its_inverse() -> None:
    change = FlagSet().plan({"retries": 1}, {"key": "retries", "value": 3})
    assert change == Patch(values={"retries": 3})
    assert FlagSet().invert({"retries": 1}, change, {}) == Patch(values={"retries": 1})
    assert FlagSet().invert({}, change, {}) == Patch(remove=("retries",))


def test_traffic_shift_moves_points_and_never_below_zero() -> None:
    args = {"from": "primary", "to": "secondary", "percent": 50}
    state = {"traffic.primary": 30, "traffic.secondary": 70}
    assert TrafficShift().plan(state, args) == Patch(
        values={"traffic.primary": 0, "traffic.secondary": 100}
    )
    with pytest.raises(ValueError, match="carries no traffic"):
        TrafficShift().plan({"traffic.primary": 0}, args)
    with pytest.raises(ValueError, match="must hold numbers"):
        TrafficShift().plan({"traffic.primary": "lots"}, args)


def test_deploy_rollback_swaps_current_and_previous_versions() -> None:
    state = {"deploy.version": "v8", "deploy.previous_version": "v7"}
    assert DeployRollback().plan(state, {}) == Patch(
        values={"deploy.version": "v7", "deploy.previous_version": "v8"}
    )
    with pytest.raises(ValueError, match="need a current version"):
        DeployRollback().plan({"deploy.version": "v8"}, {})
    with pytest.raises(ValueError, match="already 'v8'"):
        DeployRollback().plan(state, {"to_version": "v8"})


def test_scale_sets_or_steps_replicas_but_never_below_one() -> None:
    assert Scale().plan({}, {"replicas": 4}) == Patch(values={"capacity.replicas": 4})
    assert Scale().plan({"capacity.replicas": 4}, {"by": 2}) == Patch(
        values={"capacity.replicas": 6}
    )
    with pytest.raises(ValueError, match="would leave 0 replicas"):
        Scale().plan({"capacity.replicas": 2}, {"by": -2})
    with pytest.raises(ValueError, match="exactly one"):
        Scale().plan({}, {"replicas": 2, "by": 1})


def test_exec_is_an_argv_whose_inverse_is_its_undo_argv() -> None:
    args = {"argv": ["agentctl", "pause"], "undo": ["agentctl", "resume"], "timeout_s": 5}
    assert Exec().plan({}, args) == Command(argv=("agentctl", "pause"), timeout_s=5)
    assert Exec().invert({}, Exec().plan({}, args), args) == Command(
        argv=("agentctl", "resume"), timeout_s=5
    )
    assert Exec().invert({}, Exec().plan({}, args), {"argv": ["x"]}) is None
    assert Exec().always_needs_approval
    expected = "expected a non-empty list of strings (an argv, never a shell string)"
    assert check_args(Exec(), {"argv": "agentctl pause"}) == [
        ("argv", f"{expected}, got 'agentctl pause'")
    ]


def test_registry_lookups_of_unknown_ids_suggest_the_closest() -> None:
    registry = default_registry(points=[])
    with pytest.raises(NotFoundError, match="did you mean 'scale'"):
        registry.get("scael")


def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    name = f"onshift_test_plugin_{abs(hash(body)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


GOOD_PLUGIN = """
from onshift.runbook import FlagSet

class DrainQueue(FlagSet):
    id = "queue.drain"
    summary = "drain the work queue"
"""


def test_a_plugin_registers_through_its_entry_point_like_a_built_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = plugin_module(tmp_path, monkeypatch, GOOD_PLUGIN)
    point = EntryPoint(name="queue.drain", value=f"{module}:DrainQueue", group=ENTRY_POINT_GROUP)
    registry = default_registry(points=[point])
    assert "queue.drain" in registry.ids()
    assert registry.get("queue.drain").summary == "drain the work queue"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("broken", "onshift_no_such_module:Thing", "cannot be loaded"),
        ("not-an-action", "onshift.units:format_duration", "failed to build its action"),
        ("not-an-action", "onshift.units:_UNITS", "does not provide an onshift action"),
        ("other-name", "onshift.runbook:FlagSet", "whose id is 'flag.set'"),
        ("flag.set", "onshift.runbook:FlagSet", "already registered"),
    ],
    ids=["import error", "factory fails", "not an action", "id mismatch", "taken id"],
)
def test_a_bad_plugin_fails_loudly_at_load(name: str, value: str, message: str) -> None:
    point = EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
    with pytest.raises(InputError, match=message):
        default_registry(points=[point])


def test_the_registry_refuses_objects_that_are_not_actions() -> None:
    with pytest.raises(TypeError, match="is not an action"):
        ActionRegistry([object()])  # type: ignore[list-item]

"""The public surface: every name in ``__all__`` exists, and the fakes ship in onshift.testing."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "onshift.runbook",
    "onshift.runbook.actions",
    "onshift.runbook.builtins",
    "onshift.runbook.changes",
    "onshift.runbook.effects",
    "onshift.runbook.executor",
    "onshift.runbook.fakes",
    "onshift.runbook.journal",
    "onshift.runbook.model",
    "onshift.runbook.plan",
    "onshift.runbook.ports",
    "onshift.runbook.probe",
    "onshift.redact",  # shared with the Prometheus source
    "onshift.runbook.registry",
    "onshift.runbook.render",
    "onshift.runbook.report",
    "onshift.runbook.spec",
    "onshift.runbook.targets",
    "onshift.runbook.timeline",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_each_public_class_and_function_once_and_they_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert all(hasattr(module, n) for n in module.__all__)
    assert len(set(module.__all__)) == len(module.__all__)
    defined = {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == name
    }
    assert defined <= set(module.__all__)


def test_the_runbook_fakes_ship_in_onshift_testing() -> None:
    testing = importlib.import_module("onshift.testing")
    for name in (
        "FakeTarget",
        "ScriptedProbe",
        "FakeApprover",
        "FakeCommandRunner",
        "RecordingSink",
    ):
        assert name in testing.__all__


def test_the_fakes_satisfy_their_ports() -> None:
    from onshift.runbook import Approver, CommandRunner, HealthProbe, Target, TimelineSink
    from onshift.testing import (
        FakeApprover,
        FakeCommandRunner,
        FakeTarget,
        RecordingSink,
        ScriptedProbe,
    )

    target = FakeTarget()
    assert isinstance(target, Target)
    assert isinstance(ScriptedProbe(target, lambda s, at, w: None), HealthProbe)
    assert isinstance(FakeApprover(), Approver)
    assert isinstance(FakeCommandRunner(), CommandRunner)
    assert isinstance(RecordingSink(), TimelineSink)

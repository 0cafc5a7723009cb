"""Every incident/on-call module declares its public names, and declares only real ones."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import onshift.incident
import onshift.oncall

SUBMODULES = sorted(
    f"{package.__name__}.{info.name}"
    for package in (onshift.incident, onshift.oncall)
    for info in pkgutil.iter_modules(package.__path__)
)
MODULES = ["onshift.incident", "onshift.oncall", *SUBMODULES]


@pytest.mark.parametrize("name", MODULES)
def test_each_module_lists_exactly_its_public_definitions_in_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert all(hasattr(module, n) for n in exported), exported - set(dir(module))
    defined = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == name
    }
    assert defined <= exported, f"public but not in __all__: {sorted(defined - exported)}"


def test_the_shipped_fakes_are_exported_by_onshift_testing() -> None:
    import onshift.testing

    assert {"MemoryIncidentStore", "RecordingNotifier"} <= set(onshift.testing.__all__)

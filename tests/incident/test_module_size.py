"""The incident package and its CLI stay in small modules (STYLE.md, "small modules")."""

from __future__ import annotations

from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "onshift"
MODULES = sorted(
    [*(SRC / "incident").glob("*.py"), *(SRC / "cli").glob("incident_*.py")],
    key=lambda p: p.name,
)
# STYLE.md asks for modules under ~300 lines; past that, split along a seam (as sqlstore /
# sqlengine / sqlrows and incident_read / incident_write are) rather than raise this.
LIMIT = 300


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_incident_module_is_under_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.name} has {lines} lines"

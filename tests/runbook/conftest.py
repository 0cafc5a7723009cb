"""Shared fixtures for the runbook tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from runbook_helpers import Harness, make_harness


@pytest.fixture
def harness(tmp_path: Path) -> Callable[..., Harness]:
    return partial(make_harness, tmp_path)

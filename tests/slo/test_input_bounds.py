"""Out-of-range times and durations are bad input (exit 2) with one message, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, CliResult

Run = Callable[..., CliResult]
AVAIL = EXAMPLES / "agent-availability.yaml"
TTFT = EXAMPLES / "agent-ttft.yaml"
COUNTS = EXAMPLES / "data" / "agent-counts.csv"
EVENTS = EXAMPLES / "data" / "agent-requests.jsonl"
RANGE = "expected a time from 1970-01-01T00:00:00Z (Unix seconds 0) to before 9000-01-01T00:00:00Z"


@pytest.mark.parametrize("at", ["inf", "1e20", "-inf", "nan"])
def test_an_at_out_of_range_exits_2(run_cli: Run, at: str) -> None:
    result = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--at", at)
    assert result.code == 2
    assert result.err.strip() == f"error: --at: {RANGE}, got {at!r}"


def test_a_step_out_of_range_exits_2(run_cli: Run) -> None:
    result = run_cli("slo", "report", TTFT, "--events", EVENTS, "--step", "1000000000d")
    assert result.code == 2
    assert result.err.strip() == (
        "error: --step: a duration must be at most 36500d (100 years), got '1000000000d'"
    )


def test_an_slo_window_out_of_range_exits_2(run_cli: Run, tmp_path: Path) -> None:
    spec = tmp_path / "slo.yaml"
    spec.write_text(
        AVAIL.read_text(encoding="utf-8").replace("window: 30d", "window: 1000000000d"),
        encoding="utf-8",
    )
    result = run_cli("slo", "check", spec)
    assert result.code == 2
    assert result.err.strip() == (
        f"error: {spec}:13: spec.window: a duration must be at most 36500d (100 years), "
        "got '1000000000d'"
    )

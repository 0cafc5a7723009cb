"""Under CI=true a missing PostgreSQL URL fails the PostgreSQL tests instead of skipping them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_tests_fail_rather_than_skip_under_ci_without_a_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ONSHIFT_TEST_POSTGRES_URL"}
    env["CI"] = "true"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/incident/test_store.py::test_listing_and_open_filter",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "ONSHIFT_TEST_POSTGRES_URL must be set when CI=true" in result.stdout
    assert "2 passed" in result.stdout

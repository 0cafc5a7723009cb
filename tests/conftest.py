"""Fixtures shared by every test package. Package-specific fixtures live in each folder's own
conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from onshift.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def invoke(
    capsys: pytest.CaptureFixture[str], *args: str | os.PathLike[str]
) -> tuple[int, str, str]:
    """Run ``onshift`` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def invoke_json(capsys: pytest.CaptureFixture[str], *args: str | os.PathLike[str]) -> Any:
    """Run ``onshift … --json``, which must succeed, and parse its output."""
    code, out, err = invoke(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``onshift`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str | os.PathLike[str]) -> CliResult:
        code, out, err = invoke(capsys, *args)
        return CliResult(code=code, out=out, err=err)

    return run


def require_binary(name: str) -> str:
    """The path of ``name``; skips without it on a laptop, fails without it in CI."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required in CI (install the Debian package) but is missing")
        pytest.skip(f"{name} is not installed")
    return path


def promtool_check_rules(path: Path) -> subprocess.CompletedProcess[str]:
    """``promtool check rules PATH`` (promtool is required: see :func:`require_binary`)."""
    return subprocess.run(
        [require_binary("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

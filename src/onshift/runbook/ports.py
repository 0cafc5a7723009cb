"""The side effects a runbook run needs, each behind a small port.

Fakes for every port ship in :mod:`onshift.testing`. The simulated AI agent service plugs in as
a :class:`Target` (its control surface) and a :class:`HealthProbe` (its SLIs).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from onshift.runbook.changes import JsonValue, Patch

if TYPE_CHECKING:
    from onshift.runbook.journal import Record

__all__ = [
    "Approver",
    "CommandResult",
    "CommandRunner",
    "HealthProbe",
    "SubprocessRunner",
    "Target",
    "TimelineSink",
]


@runtime_checkable
class Target(Protocol):
    """A service's control surface: flat keys (``fallback_model``, ``traffic.openai`` …) to
    JSON values."""

    def describe(self) -> Mapping[str, str]:
        """How to reach this target again (written to the journal; never holds secrets)."""

    def read(self) -> dict[str, JsonValue]: ...

    def write(self, patch: Patch) -> None:
        """Apply ``patch`` as one change; raise :class:`~onshift.errors.TargetError` if not."""


@runtime_checkable
class HealthProbe(Protocol):
    """SLI readings: the error-budget burn rate over ``window`` ending at ``at``."""

    def burn_rate(self, window: timedelta, at: datetime) -> float | None:
        """``None`` when there is no data for that window."""


@runtime_checkable
class Approver(Protocol):
    """A human (or a policy) confirming a step that needs approval."""

    def approve(self, step_id: str, what: str) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    returncode: int
    stdout: str = ""
    stderr: str = ""


@runtime_checkable
class CommandRunner(Protocol):
    def run(self, argv: Sequence[str], timeout: timedelta) -> CommandResult: ...


@runtime_checkable
class TimelineSink(Protocol):
    """Where journal records also go as incident timeline events (the incident module)."""

    def runbook_event(self, record: Record) -> None: ...


class SubprocessRunner:
    """Runs argv lists with no shell; a timeout is reported as exit code 124, like timeout(1)."""

    def run(self, argv: Sequence[str], timeout: timedelta) -> CommandResult:
        try:
            done = subprocess.run(  # noqa: S603 - an argv list from a reviewed runbook, no shell
                list(argv),
                capture_output=True,
                text=True,
                timeout=timeout.total_seconds(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return CommandResult(returncode=124, stderr=f"timed out after {timeout}")
        except OSError as exc:
            return CommandResult(returncode=127, stderr=str(exc))
        return CommandResult(returncode=done.returncode, stdout=done.stdout, stderr=done.stderr)

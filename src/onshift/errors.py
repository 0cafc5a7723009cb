"""The one exception tree of onshift.

Every error onshift raises on purpose derives from :class:`OnshiftError`. Library code raises;
only the CLI turns errors into exit codes (bad input → 2, anything else → 1).

::

    OnshiftError
    ├── InputError            bad input: one Problem per thing to fix (exit code 2)
    │   └── SpecError         a spec file (SLO, EscalationPolicy, Schedule, Runbook …) is invalid
    ├── InvalidTransition     an incident event that its current state does not allow
    ├── NotFoundError         a named thing (incident, schedule, action) does not exist
    ├── SourceError           a data source (Prometheus, a log file) could not be read
    ├── StoreError            the incident store failed
    │   └── ConflictError     someone else wrote first (stale version, duplicate open fingerprint)
    ├── DeliveryError         a notification could not be delivered
    │   └── DeliveryRejected  the receiver refused it for good (retrying will not help)
    ├── TargetError           a runbook target (flags file, HTTP flags endpoint) failed
    └── MitigationError       a runbook step failed in one of its phases
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConflictError",
    "DeliveryError",
    "DeliveryRejected",
    "InputError",
    "InvalidTransition",
    "MitigationError",
    "NotFoundError",
    "OnshiftError",
    "Problem",
    "SourceError",
    "SpecError",
    "StoreError",
    "TargetError",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with an input, located as precisely as we know."""

    file: str | None = None
    line: int | None = None
    path: str = ""
    message: str

    def render(self) -> str:
        # "file:line: field: message", leaving out what is not known (a command-line option
        # has no file: "--at: message").
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [part for part in (where, self.path) if part]
        return ": ".join([*parts, self.message])


class OnshiftError(Exception):
    """Root of every error onshift raises on purpose."""


class InputError(OnshiftError):
    """Input that cannot be used as given. Carries one :class:`Problem` per thing to fix."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.render() for p in self.problems))

    @classmethod
    def single(
        cls,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str = "",
    ) -> InputError:
        return cls([Problem(file=file, line=line, path=path, message=message)])


class SpecError(InputError):
    """A spec file (SLO, EscalationPolicy, Schedule, Runbook …) is invalid."""


class InvalidTransition(OnshiftError):
    """An incident event that the incident's current state does not allow."""

    def __init__(self, *, state: str, event: str, detail: str = "") -> None:
        self.state = state
        self.event = event
        text = f"cannot apply {event!r} to an incident that is {state}"
        super().__init__(f"{text}: {detail}" if detail else text)


class NotFoundError(OnshiftError):
    """A named thing (incident, schedule, action …) does not exist."""


class SourceError(OnshiftError):
    """A data source (Prometheus HTTP API, a file) could not be read."""


class StoreError(OnshiftError):
    """The incident store failed."""


class ConflictError(StoreError):
    """A write lost a race: the incident changed since it was read, or the fingerprint is taken."""


class DeliveryError(OnshiftError):
    """A notification could not be delivered."""


class DeliveryRejected(DeliveryError):
    """The receiver refused the notification for good (e.g. HTTP 400); retrying will not help."""


class TargetError(OnshiftError):
    """A runbook target (a flags file, an HTTP flags endpoint …) could not be read or written."""


class MitigationError(OnshiftError):
    """A runbook step failed in one of its phases (precondition, apply, verify, undo)."""

    def __init__(self, message: str, *, step: str, phase: str) -> None:
        self.step = step
        self.phase = phase
        super().__init__(f"step {step!r} failed during {phase}: {message}")

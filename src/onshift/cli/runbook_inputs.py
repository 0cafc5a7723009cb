"""The imperative shell of ``onshift runbook``: open targets, probes and journals from the
command line, ask for approval, turn SIGTERM into an unwind, and print results."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from onshift.errors import Problem
    from onshift.runbook import (
        ActionRegistry,
        HealthProbe,
        JournalState,
        JournalWriter,
        RunResult,
        Target,
    )

__all__ = [
    "ConsoleApprover",
    "action_registry",
    "open_probe",
    "open_target",
    "problem_json",
    "reopen",
    "report",
    "sigterm_interrupts",
    "warn",
]


def action_registry() -> ActionRegistry:
    from onshift.runbook import default_registry

    return default_registry()


def problem_json(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "path": p.path, "message": p.message}


def warn(problems: tuple[Problem, ...]) -> None:
    for p in problems:
        sys.stderr.write(f"warning: {p.render()}\n")


def open_target(target: Path | None, url: str | None, token_env: str) -> Target:
    from onshift.errors import InputError
    from onshift.runbook import FlagsFileTarget, HttpFlagsTarget

    if (target is None) == (url is None):
        raise InputError.single("give exactly one of --target FILE and --target-url URL")
    if url is not None:
        return HttpFlagsTarget(url, token=os.environ.get(token_env) or None)
    assert target is not None
    if not target.is_file():
        raise InputError.single("flags file not found", file=str(target), path="--target")
    return FlagsFileTarget(target)


def open_probe(probe: Path | None, max_age: str, *, required: bool) -> HealthProbe | None:
    from onshift.errors import InputError
    from onshift.runbook import PrometheusFileProbe
    from onshift.units import parse_duration

    if probe is None:
        if required:
            raise InputError.single(
                "running a runbook needs SLI readings: give --probe FILE (a Prometheus "
                "query-response JSON file of burn rates, labelled by window)",
                path="--probe",
            )
        return None
    if not probe.is_file():
        raise InputError.single("probe file not found", file=str(probe), path="--probe")
    try:
        age = parse_duration(max_age)
    except ValueError as exc:
        raise InputError.single(str(exc), path="--probe-max-age") from None
    return PrometheusFileProbe(probe, max_age=age)


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C: the executor undoes what it applied, newest-first."""
    import signal

    def handler(signum: int, frame: object) -> None:  # noqa: ARG001 - the handler signature
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class ConsoleApprover:
    def approve(self, step_id: str, what: str) -> bool:
        try:
            return typer.confirm(f"Apply step {step_id!r}: {what}?", default=False)
        except typer.Abort:  # Ctrl-C or end of input at the prompt: stop and unwind
            raise KeyboardInterrupt from None


def report(result: RunResult, as_json: bool) -> None:
    from onshift.cli.output import print_json
    from onshift.runbook.report import result_exit_code, result_lines, result_to_json

    if as_json:
        print_json(result_to_json(result))
    else:
        for line in result_lines(result):
            typer.echo(line)
    code = result_exit_code(result)
    if code:
        raise typer.Exit(code)


def reopen(
    journal: Path, target: Path | None, url: str | None, token_env: str
) -> tuple[JournalState, Target, JournalWriter]:
    from onshift.runbook import JournalWriter, fold, read_journal, target_from_ref

    state = fold(read_journal(journal))
    if target is not None or url is not None:
        surface = open_target(target, url, token_env)
    else:
        surface = target_from_ref(state.target, token=os.environ.get(token_env) or None)
    return state, surface, JournalWriter.reopen(journal, next_seq=state.next_seq)

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
    from datetime import datetime

    from onshift.errors import Problem
    from onshift.runbook import (
        ActionRegistry,
        HealthProbe,
        JournalState,
        JournalWriter,
        JsonValue,
        Record,
        Runbook,
        RunResult,
        Target,
    )

__all__ = [
    "ConsoleApprover",
    "ConsoleProgress",
    "action_registry",
    "load_runbooks",
    "lock_journal",
    "open_probe",
    "open_target",
    "problem_json",
    "read_target",
    "reopen",
    "report",
    "require_readings",
    "sigterm_interrupts",
    "warn",
]


def action_registry() -> ActionRegistry:
    from onshift.runbook import default_registry

    return default_registry()


def load_runbooks(
    paths: list[Path], registry: ActionRegistry
) -> tuple[list[Runbook], dict[str, str], list[Problem]]:
    """The runbooks in ``paths`` (files, or directories of ``*.yaml``), the file each came
    from by name, and the problems of the files that did not load."""
    from onshift.errors import InputError
    from onshift.runbook import load_runbook

    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    books: list[Runbook] = []
    where: dict[str, str] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            book = load_runbook(file, registry)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        books.append(book)
        where.setdefault(book.name, str(file))
    return books, where, problems


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
        import httpx

        from onshift.redact import redact_url, scrub

        hidden = redact_url(url)  # messages never quote a password or token
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            detail = scrub(str(exc), hidden.secrets)
            raise InputError.single(f"not a URL: {detail}", path="--target-url") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InputError.single(
                f"expected an http:// or https:// URL, got {hidden.shown!r}", path="--target-url"
            )
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


def read_target(surface: Target) -> dict[str, JsonValue]:
    """The target's state before anything starts. A flags file that cannot be used is bad
    input (exit code 2, with its line when the parser knows it); an endpoint that does not
    answer is not, and stays a :class:`~onshift.errors.TargetError`."""
    from onshift.errors import InputError, TargetError
    from onshift.runbook import FlagsFileTarget

    try:
        return surface.read()
    except TargetError as exc:
        if not isinstance(surface, FlagsFileTarget):
            raise
        cause = exc.__cause__
        line = getattr(cause, "lineno", None)  # json.JSONDecodeError
        mark = getattr(cause, "problem_mark", None)  # yaml.MarkedYAMLError
        if mark is not None:
            line = mark.line + 1
        raise InputError.single(
            str(exc), file=str(surface.path), line=line, path="--target"
        ) from None


def require_readings(runbook: Runbook, probe: HealthProbe, probe_file: Path, now: datetime) -> None:
    """Refuse to start unless the probe file reads and has a fresh burn rate for every window
    the runbook judges by: without one, each step would be applied and undone blind."""
    from onshift.errors import InputError, Problem, SourceError
    from onshift.runbook import PrometheusFileProbe
    from onshift.units import format_duration

    windows = {runbook.steady_state.window} | {s.verify.window for s in runbook.steps}
    windows |= {
        s.precondition.window
        for s in runbook.steps
        if s.precondition is not None and s.precondition.window is not None
    }
    problems: list[Problem] = []
    for window in sorted(windows):
        try:
            rate = probe.burn_rate(window, now)
        except SourceError as exc:
            raise InputError.single(str(exc), file=str(probe_file), path="--probe") from None
        if rate is None:
            w = format_duration(window)
            why = (
                probe.why_no_reading(window, now) if isinstance(probe, PrometheusFileProbe) else ""
            )
            problems.append(
                Problem(
                    file=str(probe_file),
                    path="--probe",
                    message=f"no burn rate for the {w} window now{': ' + why if why else ''}; "
                    f'give a series labelled window="{w}" with a sample newer than '
                    "--probe-max-age",
                )
            )
    if problems:
        raise InputError(problems)


@contextlib.contextmanager
def sigterm_interrupts(journal: Path) -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C: the executor undoes what it applied, newest-first. An
    interrupt that gets through (a second one, during that unwind) may leave changes in effect:
    say so, and how to find and undo them, rather than just "interrupted". A journal that cannot
    be written is said plainly too, not shown as a traceback."""
    import signal

    def handler(signum: int, frame: object) -> None:  # noqa: ARG001 - the handler signature
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except KeyboardInterrupt:
        sys.stderr.write(
            "interrupted before the changes were undone; some may still be in effect.\n"
            f"  see them:  onshift runbook status {journal}\n"
            f"  undo them: onshift runbook rollback {journal}\n"
        )
        raise typer.Exit(130) from None
    except OSError as exc:  # the journal could not be written (the run unwound regardless)
        sys.stderr.write(
            f"error: {journal}: cannot write the journal: {exc.strerror or exc}\n"
            "  the run stopped and undid what it had applied, but the journal may not say so;\n"
            "  check the target, free space, then: "
            f"onshift runbook rollback {journal}\n"
        )
        raise typer.Exit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


class ConsoleApprover:
    """Asks on stderr, so that ``--json`` keeps stdout one JSON document."""

    def approve(self, step_id: str, what: str) -> bool:
        try:
            return typer.confirm(f"Apply step {step_id!r}: {what}?", default=False, err=True)
        except typer.Abort:  # Ctrl-C or end of input at the prompt: stop and unwind
            raise KeyboardInterrupt from None


class ConsoleProgress:
    """Each journal record as a timeline line on stderr while the run goes on: a run can take
    many minutes, and silence until the end reads as a hang."""

    def runbook_event(self, record: Record) -> None:
        from onshift.runbook import to_timeline

        try:
            sys.stderr.write(f"{record.at:%H:%M:%S}Z {to_timeline(record).text}\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # stderr closed (a pipe into head): the run goes on
            pass


def report(result: RunResult, as_json: bool, journal: Path) -> None:
    from onshift.cli.output import print_json
    from onshift.runbook.report import result_exit_code, result_lines, result_to_json

    if as_json:
        print_json(result_to_json(result))
    else:
        for line in result_lines(result, journal=str(journal)):
            typer.echo(line)
    code = result_exit_code(result)
    if code:
        raise typer.Exit(code)


@contextlib.contextmanager
def _exclusive(journal: Path) -> Iterator[None]:
    import fcntl

    from onshift.errors import InputError

    try:
        fd = os.open(journal, os.O_RDONLY)
    except FileNotFoundError:
        raise InputError.single("journal not found", file=str(journal)) from None
    except OSError as exc:
        msg = f"cannot open the journal: {exc.strerror or exc}"
        raise InputError.single(msg, file=str(journal)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError.single(
                "another onshift command is using this journal (a run still going?); "
                "stop it (Ctrl-C unwinds) or wait for it, then try again",
                file=str(journal),
            ) from None
        yield
    finally:
        os.close(fd)


def lock_journal(ctx: typer.Context, journal: Path) -> None:
    """Hold an exclusive lock on ``journal`` until the command ends, so that a rollback or a
    resume cannot run while another process is still applying or undoing from it."""
    ctx.with_resource(_exclusive(journal))


def reopen(
    ctx: typer.Context, journal: Path, target: Path | None, url: str | None, token_env: str
) -> tuple[JournalState, Target, JournalWriter]:
    from onshift.runbook import JournalWriter, fold, read_journal, target_from_ref

    lock_journal(ctx, journal)
    state = fold(read_journal(journal))
    if target is not None or url is not None:
        surface = open_target(target, url, token_env)
    else:
        surface = target_from_ref(state.target, token=os.environ.get(token_env) or None)
    return state, surface, JournalWriter.reopen(journal, next_seq=state.next_seq)

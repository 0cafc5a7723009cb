"""Wiring for ``runbook run|resume|rollback``: the executor, and where progress goes (stderr,
and with ``--incident`` the incident's timeline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from onshift.cli.runbook_inputs import ConsoleApprover, ConsoleProgress, require_readings

__all__ = ["progress_sink", "start_executor"]


def start_executor(
    runbook: Any,
    registry: Any,
    surface: Any,
    probe: tuple[Any, Path | None],
    journal: Callable[[], Any],
    *,
    auto: bool,
    incident: int | None,
    db: str,
) -> Any:
    """The executor for ``run`` and ``resume``, after every check that can fail before the
    journal is touched: readings available, the incident (with ``--incident``) exists."""
    from onshift.clock import SystemClock
    from onshift.runbook import Executor, Mode, SubprocessRunner

    probe_port, probe_file = probe
    assert probe_port is not None
    assert probe_file is not None
    clock = SystemClock()
    require_readings(runbook, probe_port, probe_file, clock.now())
    sink = progress_sink(incident, db)
    return Executor(
        runbook=runbook,
        registry=registry,
        target=surface,
        probe=probe_port,
        clock=clock,
        journal=journal(),
        commands=SubprocessRunner(),
        mode=Mode.AUTO if auto else Mode.INTERACTIVE,
        approver=None if auto else ConsoleApprover(),
        sink=sink,
    )


def progress_sink(incident: int | None, db: str) -> Any:
    """Progress on stderr, and onto the incident's timeline when ``--incident`` is given."""
    if incident is None:
        return ConsoleProgress()
    from onshift.cli.incident_sink import Tee, incident_timeline

    return Tee([ConsoleProgress(), incident_timeline(db, incident)])

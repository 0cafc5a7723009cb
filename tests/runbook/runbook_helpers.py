"""Helpers for the runbook tests: runbooks built from step tables, an executor on fakes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from onshift.cli.app import main
from onshift.runbook import (
    ActionRegistry,
    Executor,
    JournalWriter,
    Mode,
    Runbook,
    State,
    default_registry,
    load_runbook,
)
from onshift.testing import (
    FakeApprover,
    FakeCommandRunner,
    FakeTarget,
    RecordingSink,
    ScriptedProbe,
    SimulatedClock,
)

START = datetime(2026, 1, 31, 2, 0, tzinfo=UTC)
TOKEN = "s3cret-token"
VERIFY = {"burn_rate_below": 1, "window": "5m", "within": "10m", "every": "1m"}


def flag_step(step_id: str, key: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "description": f"set {key}",
        "action": "flag.set",
        "args": {"key": key, "value": value},
        "verify": VERIFY,
        **extra,
    }


def runbook_text(steps: list[dict[str, Any]], name: str = "test-runbook") -> str:
    doc = {
        "apiVersion": "onshift/v1",
        "kind": "Runbook",
        "metadata": {"name": name, "service": "agent"},
        "spec": {
            "match": {"symptoms": ["provider_5xx"]},
            "steady_state": {"burn_rate_below": 1, "window": "5m"},
            "steps": steps,
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)


@dataclass
class Harness:
    runbook: Runbook
    text: str
    target: FakeTarget
    probe: ScriptedProbe
    clock: SimulatedClock
    journal_path: Path
    sink: RecordingSink
    commands: FakeCommandRunner
    approver: FakeApprover
    registry: ActionRegistry

    def executor(self, mode: Mode = Mode.INTERACTIVE, *, resume_seq: int | None = None) -> Executor:
        if resume_seq is None:
            journal = JournalWriter.create(self.journal_path)
        else:
            journal = JournalWriter.reopen(self.journal_path, next_seq=resume_seq)
        return Executor(
            runbook=self.runbook,
            registry=self.registry,
            target=self.target,
            probe=self.probe,
            clock=self.clock,
            journal=journal,
            commands=self.commands,
            mode=mode,
            approver=self.approver,
            sink=self.sink,
        )

    def run(self, mode: Mode = Mode.INTERACTIVE) -> Any:
        return self.executor(mode).run(source_file="runbook.yaml", source_text=self.text)


Script = Callable[[State, datetime, timedelta], float | None]


def make_harness(
    tmp_path: Path,
    steps: list[dict[str, Any]],
    script: Script,
    state: dict[str, Any] | None = None,
    *,
    approvals: dict[str, bool] | None = None,
    fail_on: tuple[str, ...] = (),
    returncodes: dict[str, int] | None = None,
) -> Harness:
    registry = default_registry(points=[])
    text = runbook_text(steps)
    target = FakeTarget(state or {}, fail_on=fail_on)
    return Harness(
        runbook=load_runbook("runbook.yaml", registry, text=text),
        text=text,
        target=target,
        probe=ScriptedProbe(target, script),
        clock=SimulatedClock(START),
        journal_path=tmp_path / "journal.jsonl",
        sink=RecordingSink(),
        commands=FakeCommandRunner(returncodes),
        approver=FakeApprover(approvals),
        registry=registry,
    )


class FlagsHandler(BaseHTTPRequestHandler):
    """GET/PUT of one JSON object behind a bearer token; with ``etags`` on, GET answers an
    ETag and PUT needs a matching If-Match (else 412), as a careful flags service would;
    ``race`` simulates another writer whose change lands between our GET and PUT."""

    state: dict[str, Any]
    requests: list[tuple[str, str | None]]
    paths: list[str]
    etags = False
    version = 0
    race: dict[str, Any] | None = None  # another writer's change, landing just before a PUT
    basic: str | None = None  # also accept this HTTP Basic "user:password" (from a URL)

    def _authorised(self) -> bool:
        self.requests.append((self.command, self.headers.get("Authorization")))
        self.paths.append(self.path)
        accepted = {f"Bearer {TOKEN}"}
        if self.basic is not None:
            accepted.add("Basic " + base64.b64encode(self.basic.encode()).decode())
        if self.headers.get("Authorization") not in accepted:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        body = json.dumps(self.state).encode()
        self.send_response(200)
        if self.etags:
            self.send_header("ETag", f'"v{self.version}"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        data = json.loads(self.rfile.read(length))
        if not self._authorised():
            return
        if self.race is not None:
            type(self).version += 1
            self.state.update(self.race)
        if self.etags and self.headers.get("If-Match") != f'"v{self.version}"':
            self.send_response(412)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        type(self).version += 1
        self.state.clear()
        self.state.update(data)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


# Sub-second steps on the system clock; samples that change do so 1.5 s after the test starts,
# well after the run has taken its baseline even on a loaded machine.
FAST = {"burn_rate_below": 1, "window": "5m", "within": "5s", "every": "100ms"}
FLAGS = {"retries": 1, "cache": False}


def probe_file(path: Path, samples: list[tuple[datetime, float]]) -> Path:
    values = [[moment.timestamp(), repr(rate)] for moment, rate in samples]
    body = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {"window": "5m"}, "values": values}],
        },
    }
    path.write_text(json.dumps(body))
    return path


def run_cli(args: list[str]) -> int:
    """The exit code of ``onshift ARGS`` run in this process (output goes to capsys)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)

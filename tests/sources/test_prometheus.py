"""Reading counts from a real Prometheus server started on loopback with backfilled data."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from onshift.clock import SystemClock
from tests.conftest import EXAMPLES, CliResult, require_binary

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
MINUTES = 24 * 60
Run = Callable[..., CliResult]


def _bad(minute: int) -> int:
    return 30 if 600 <= minute < 610 else (1 if minute % 97 == 0 else 0)


def _counters() -> tuple[list[int], list[int]]:
    errors, good = [0], [0]
    for m in range(MINUTES):
        errors.append(errors[-1] + _bad(m))
        good.append(good[-1] + 300 - _bad(m))
    return errors, good


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prometheus server on a free loopback port, serving one day of backfilled counters."""
    promtool = require_binary("promtool")
    server = require_binary("prometheus")
    work = tmp_path_factory.mktemp("prometheus")
    errors, good = _counters()
    lines = ["# HELP agent_requests_total Requests.", "# TYPE agent_requests_total counter"]
    for m in range(MINUTES + 1):
        ts = T0 + 60 * m
        lines.append(f'agent_requests_total{{code="500"}} {errors[m]} {ts}')
        lines.append(f'agent_requests_total{{code="200"}} {good[m]} {ts}')
    (work / "data.om").write_text("\n".join([*lines, "# EOF"]) + "\n", encoding="utf-8")
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "data.om", "tsdb"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=60,
    )
    (work / "prometheus.yml").write_text("global: {scrape_interval: 1m}\n", encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    clock = SystemClock()
    with (work / "prometheus.log").open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [
                server,
                f"--config.file={work / 'prometheus.yml'}",
                f"--storage.tsdb.path={work / 'tsdb'}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = clock.now() + timedelta(seconds=30)
            while not _ready(url):
                if proc.poll() is not None or clock.now() > deadline:
                    text = (work / "prometheus.log").read_text(encoding="utf-8")[-2000:]
                    pytest.fail(f"Prometheus did not become ready within 30 s:\n{text}")
                clock.sleep(timedelta(milliseconds=100))
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _counts_csv(path: Path, step_min: int) -> None:
    errors, good = _counters()
    rows = ["timestamp,good,total"]
    for m in range(step_min, MINUTES + 1, step_min):
        bad = errors[m] - errors[m - step_min]
        ok = good[m] - good[m - step_min]
        rows.append(f"{T0 + 60 * m},{ok},{ok + bad}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.promtool
def test_a_report_from_prometheus_equals_the_report_from_the_same_counts(
    prometheus: str, run_cli: Run, tmp_path: Path
) -> None:
    slo = EXAMPLES / "agent-availability.yaml"
    at = str(T0 + 60 * 640)  # 30 minutes after the storm ended
    from_prom = run_cli(
        "slo", "report", slo, "--prometheus", prometheus, "--step", "5m", "--at", at, "--json"
    )
    assert from_prom.code == 0, from_prom.err
    csv = tmp_path / "counts.csv"
    _counts_csv(csv, 5)
    from_csv = run_cli("slo", "report", slo, "--counts", csv, "--at", at, "--json")
    assert from_csv.code == 0, from_csv.err
    (p,) = json.loads(from_prom.out)["slos"]
    (c,) = json.loads(from_csv.out)["slos"]
    assert p["at"] == c["at"] == "2026-01-01T10:40:00Z"
    assert p["total"] == pytest.approx(c["total"])
    assert p["bad"] == pytest.approx(c["bad"])
    assert p["bad"] > 300
    for window, value in c["burn_rate"].items():
        assert p["burn_rate"][window] == pytest.approx(value, abs=1e-9), window
    assert [a["firing"] for a in p["alerts"]] == [a["firing"] for a in c["alerts"]]
    assert any(a["firing"] for a in p["alerts"])


@pytest.mark.promtool
def test_a_query_that_returns_several_series_is_refused_with_the_fix(
    prometheus: str, run_cli: Run, tmp_path: Path
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99
  indicator:
    prometheus:
      errors: rate(agent_requests_total[{{window}}])
      total: sum(rate(agent_requests_total[{{window}}]))
""",
        encoding="utf-8",
    )
    result = run_cli("slo", "report", slo, "--prometheus", prometheus, "--at", str(T0 + 3600))
    assert result.code == 1
    assert "returned 2 series; an SLO query must return one series (wrap it in sum(...))" in (
        result.err
    )


def test_an_unreachable_prometheus_is_one_clear_error(run_cli: Run) -> None:
    port = _free_port()
    result = run_cli(
        "slo",
        "report",
        EXAMPLES / "agent-availability.yaml",
        "--prometheus",
        f"http://127.0.0.1:{port}",
        "--at",
        str(T0),
    )
    assert result.code == 1
    assert result.err.startswith(f"error: cannot reach Prometheus at http://127.0.0.1:{port}")
    assert "Traceback" not in result.err

"""The Prometheus-style probe file: newest sample at or before now, per window, or no data."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from runbook_helpers import START

from onshift.errors import SourceError
from onshift.runbook import HealthProbe, PrometheusFileProbe

T0 = START.timestamp()


def write(path: Path, result_type: str, result: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps({"status": "success", "data": {"resultType": result_type, "result": result}})
    )
    return path


def test_a_matrix_gives_the_newest_sample_at_or_before_now_for_the_window(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.json",
        "matrix",
        [
            {"metric": {"window": "5m"}, "values": [[T0 - 60, "6"], [T0, "3.5"], [T0 + 60, "0.5"]]},
            {"metric": {"window": "1h"}, "values": [[T0, "2"]]},
        ],
    )
    probe = PrometheusFileProbe(path)
    assert isinstance(probe, HealthProbe)
    five = timedelta(minutes=5)
    assert probe.burn_rate(five, START) == 3.5
    assert probe.burn_rate(five, START + timedelta(seconds=59)) == 3.5
    assert probe.burn_rate(five, START + timedelta(seconds=60)) == 0.5
    assert probe.burn_rate(timedelta(hours=1), START) == 2.0
    assert probe.burn_rate(timedelta(minutes=30), START) is None
    assert probe.burn_rate(five, START - timedelta(minutes=2)) is None


def test_an_unlabelled_vector_serves_every_window_until_it_goes_stale(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", "vector", [{"metric": {}, "value": [T0, "1.5"]}])
    probe = PrometheusFileProbe(path, max_age=timedelta(minutes=2))
    assert probe.burn_rate(timedelta(minutes=5), START) == 1.5
    assert probe.burn_rate(timedelta(hours=1), START + timedelta(minutes=2)) == 1.5
    assert probe.burn_rate(timedelta(hours=1), START + timedelta(minutes=3)) is None


def test_nan_means_no_data(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", "vector", [{"metric": {}, "value": [T0, "NaN"]}])
    assert PrometheusFileProbe(path).burn_rate(timedelta(minutes=5), START) is None


def test_it_says_why_a_window_has_no_reading(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.json",
        "matrix",
        [
            {"metric": {"window": "5m"}, "values": [[T0 - 3600, "6"]]},
            {"metric": {"window": "1h"}, "values": [[T0 + 30, "2"]]},
            {"metric": {"window": "30m"}, "values": [[T0, "NaN"]]},
        ],
    )
    probe = PrometheusFileProbe(path)
    why = {w: probe.why_no_reading(timedelta(minutes=w), START) for w in (5, 60, 30, 15)}
    assert why == {
        5: "its newest sample (2026-01-31T01:00:00Z) is 1h old",
        60: "its samples start 30s from now (clocks skewed?)",
        30: "its newest sample is NaN (no data)",
        15: "no series for it (the file has windows: 1h, 30m, 5m)",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the probe file"),
        ('{"status": "error"}', "is not a Prometheus query response"),
        (
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"a": "1"}, "value": [T0, "1"]},
                {"metric": {"a": "2"}, "value": [T0, "2"]},
            ]}}),
            "none has a window label",
        ),
        (
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [T0, "lots"]}
            ]}}),
            "not a number",
        ),
    ],
    ids=["missing", "not a response", "ambiguous", "not a number"],
)  # fmt: skip
def test_a_bad_probe_file_is_a_source_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SourceError, match=message):
        PrometheusFileProbe(path).burn_rate(timedelta(minutes=5), START)

"""Differential test: generated rules evaluated by ``promtool test rules`` fire the same tiers at
the same minutes as ``onshift alerts replay`` (± one evaluation interval at transitions)."""

from __future__ import annotations

import json
import math
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from onshift.slo.series import CountSeries
from onshift.slo.spec import load_slos
from onshift.units import format_duration
from tests.alerting.promtool_harness import (
    by_severity,
    expected_states,
    tier_states_from_replay,
    write_test,
)
from tests.conftest import EXAMPLES, CliResult, require_binary

MINUTES = 2 * 1440


def _series(totals: list[int], bad: list[int]) -> CountSeries:
    end = 60 * np.arange(1, len(totals) + 1)  # promtool samples start at t = 0
    return CountSeries.from_arrays(
        end, np.array(totals) - np.array(bad), np.array(totals), step_s=60
    )


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if p <= 0:
        return 0
    if n * p > 30:
        return max(0, min(n, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    return sum(1 for _ in range(n) if rng.random() < p)


def profile(name: str, seed: int) -> CountSeries:
    """Generated traffic/fault profiles: each one exercises a different part of the policy."""
    rng = random.Random(seed)
    totals, bad = [], []
    for m in range(MINUTES):
        hour = (m // 60) % 24
        base = 600
        if name == "diurnal-low-traffic-nights":
            base = 20 if hour < 6 else int(600 + 400 * math.sin(math.pi * (hour - 6) / 18))
        total = max(0, int(rng.gauss(base, base * 0.05)))
        p = 0.0003
        if name == "provider-503-storm" and 1500 <= m < 1510:
            p = 0.15
        if name == "slow-brownout" and 900 <= m < 900 + 1000:
            p = 0.007 + 0.003 * math.sin(m / 37)
        if name == "diurnal-low-traffic-nights" and hour in (2, 3) and m % 97 < 3:
            p = 0.5
        if name == "outage-then-no-traffic":
            if 1200 <= m < 1230:
                p = 1.0
            if 1230 <= m < 1400:
                total = 0
        if name == "random-bursts" and rng.random() < 0.01:
            p = rng.choice([0.02, 0.08, 0.3])
        totals.append(total)
        bad.append(_binomial(rng, total, p))
    return _series(totals, bad)


# How many of the four tiers each profile must make fire at least once.
EXERCISED = {
    "provider-503-storm": 2,
    "slow-brownout": 3,
    "diurnal-low-traffic-nights": 4,
    "outage-then-no-traffic": 4,
    "random-bursts": 1,
}

PROFILES = [
    ("provider-503-storm", 1),
    ("slow-brownout", 2),
    ("diurnal-low-traffic-nights", 3),
    ("outage-then-no-traffic", 4),
    ("random-bursts", 5),
]


@pytest.mark.promtool
@pytest.mark.slow
@pytest.mark.parametrize(("name", "seed"), PROFILES, ids=[p[0] for p in PROFILES])
def test_promtool_fires_the_same_tiers_at_the_same_minutes_as_onshift_replay(
    run_cli: Callable[..., CliResult], tmp_path: Path, name: str, seed: int
) -> None:
    promtool = require_binary("promtool")
    slo_file = EXAMPLES / "agent-availability.yaml"
    (slo,) = load_slos([slo_file])
    series = profile(name, seed)
    rules = tmp_path / "generated.yml"
    assert run_cli("rules", slo_file, "-o", rules).code == 0

    # onshift replay through the CLI on the same counts, as a CSV.
    csv = tmp_path / "counts.csv"
    rows = ["timestamp,good,total"] + [
        f"{int(t)},{int(g)},{int(n)}"
        for t, g, n in zip(series.end, series.good, series.total, strict=True)
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    replay = run_cli("alerts", "replay", slo_file, "--counts", csv, "--json")
    assert replay.code == 0, replay.err
    tier_keys = [
        (str(w.severity), format_duration(w.long), format_duration(w.short))
        for w in slo.alerting.active_windows
    ]
    tiers = tier_states_from_replay(json.loads(replay.out)["transitions"], tier_keys, len(series))

    # The replay agrees with the in-process evaluation, and the profile exercises the policy
    # (a quiet profile would prove nothing).
    states = expected_states(slo, series)
    for sev, firing in by_severity(tiers).items():
        np.testing.assert_array_equal(firing, states[sev])
    assert sum(bool(f.any()) for f in tiers.values()) >= EXERCISED[name]

    test_file, checked = write_test(
        rules_file=rules, out_dir=tmp_path, slo=slo, series=series, tiers=tiers
    )
    assert checked > MINUTES * 0.9
    result = subprocess.run(
        [promtool, "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]

"""Replay benchmark: onshift vs promtool on the same policy and the same 30 days of traffic.

    python bench/bench_replay.py [--skip-promtool]

1. 30 days of 1-minute counts (43 200 rows) through the full 4-tier, 7-window policy:
   - onshift in-process (evaluate + transitions) and as a whole process
     (`onshift alerts replay --counts … --json`);
   - `promtool test rules` on the rules from `onshift rules`, with the counts as counters, as a
     whole process, asserting at every minute away from a transition that the same severities
     fire as onshift's replay (the differential test's harness).
   Prints the ratios. Targets: ≥ 100× whole process, ≥ 5 000× in-process.
2. 30 days of 1-second counts (2 592 000 rows): whole-process replay. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onshift.alerting.evaluate import evaluate_policy  # noqa: E402
from onshift.alerting.replay import transitions  # noqa: E402
from onshift.slo.series import CountSeries  # noqa: E402
from onshift.slo.spec import load_slos  # noqa: E402
from onshift.units import format_duration  # noqa: E402

SLO_FILE = ROOT / "examples" / "agent-availability.yaml"


def traffic(rows: int, step_s: int, seed: int) -> CountSeries:
    """Diurnal traffic with storms, brownouts and a quiet gap (seeded)."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows) * step_s
    hour = (t // 3600) % 24
    rate = (600 + 400 * np.sin(np.pi * (hour - 6) / 18)).clip(min=20) * step_s / 60
    total = rng.poisson(rate).astype(np.float64)
    p = np.full(rows, 0.0003)
    py = random.Random(seed)
    for _ in range(12):
        start = py.randrange(rows)
        length = int(py.choice([600, 1800, 3 * 3600, 10 * 3600]) / step_s)
        p[start : start + length] = py.choice([0.003, 0.01, 0.05, 0.2])
    bad = rng.binomial(total.astype(np.int64), p).astype(np.float64)
    end = step_s * np.arange(1, rows + 1)
    return CountSeries.from_arrays(end, total - bad, total, step_s=step_s)


def write_csv(series: CountSeries, path: Path) -> None:
    data = np.column_stack(
        [series.end, series.good.astype(np.int64), series.total.astype(np.int64)]
    )
    with path.open("w", encoding="utf-8") as handle:
        handle.write("timestamp,good,total\n")
        np.savetxt(handle, data, fmt="%d", delimiter=",")


def timed(
    cmd: list[str], cwd: Path | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-promtool", action="store_true")
    args = parser.parse_args()
    onshift = shutil.which("onshift") or sys.exit("install onshift first (pip install -e .)")
    (slo,) = load_slos([SLO_FILE])
    work = Path(tempfile.mkdtemp(prefix="onshift-bench-"))

    print("== 30 days of 1-minute counts (43 200 rows), 4 tiers, 7 windows ==")
    minute = traffic(30 * 1440, 60, seed=42)
    csv = work / "minute.csv"
    write_csv(minute, csv)
    in_process = best_of(20, lambda: transitions(evaluate_policy(slo, minute)))
    found = transitions(evaluate_policy(slo, minute))
    print(
        f"onshift in-process replay:      {in_process * 1000:8.2f} ms  ({len(found)} transitions)"
    )
    runs = [
        timed([onshift, "alerts", "replay", str(SLO_FILE), "--counts", str(csv), "--json"])
        for _ in range(5)
    ]
    whole = statistics.median(r[0] for r in runs)
    replayed = json.loads(runs[0][1].stdout)["transitions"]
    assert len(replayed) == len(found)
    print(f"onshift whole process (median): {whole * 1000:8.2f} ms")

    promtool = shutil.which("promtool")
    if promtool and not args.skip_promtool:
        from tests.alerting.promtool_harness import tier_states_from_replay, write_test

        rules = work / "generated.yml"
        timed([onshift, "rules", str(SLO_FILE), "-o", str(rules)])
        keys = [
            (str(w.severity), format_duration(w.long), format_duration(w.short))
            for w in slo.alerting.active_windows
        ]
        tiers = tier_states_from_replay(replayed, keys, len(minute))
        test_file, checked = write_test(
            rules_file=rules, out_dir=work, slo=slo, series=minute, tiers=tiers, alerts_only=True
        )
        prom_time, _ = timed([promtool, "test", "rules", str(test_file)], cwd=work)
        print(
            f"promtool test rules, the 7 window ratios and 2 alerts of onshift rules, same "
            f"severities and tiers as onshift at {checked} checked minutes: "
            f"{prom_time:8.2f} s"
        )
        print(
            f"ratio whole process: promtool / onshift = {prom_time / whole:8.0f}x (target >= 100x)"
        )
        ratio = prom_time / in_process
        print(f"ratio in-process: promtool / onshift = {ratio:8.0f}x (target >= 5000x)")
    else:
        print("promtool not run (not installed or --skip-promtool)")

    print("== 30 days of 1-second counts (2 592 000 rows) ==")
    second = traffic(30 * 86_400, 1, seed=7)
    csv_s = work / "second.csv"
    write_csv(second, csv_s)
    runs = [
        timed([onshift, "alerts", "replay", str(SLO_FILE), "--counts", str(csv_s), "--json"])[0]
        for _ in range(5)
    ]
    print(
        f"onshift whole process (median of 5): {statistics.median(runs) * 1000:8.1f} ms "
        f"(min {min(runs) * 1000:.1f} ms; target < 1000 ms)"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

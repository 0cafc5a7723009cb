"""Request log → SLO report, as whole processes (what a user waits for).

    python bench/bench_report_e2e.py [--rows N] [--repeat R] [--only csv|jsonl]

Runs, side by side on the same files (made by bench_ingest.py's seeded generator):
- `onshift slo report SLO --events requests.csv --json` vs a pandas script that reads the same
  CSV, applies the same predicate, counts per minute (zero-filled) and sums the period;
- `onshift slo report SLO --events requests.jsonl --json` vs a `json`-module loop script doing
  the same work on the JSONL file.
Each baseline prints the same numbers onshift reports (total and bad events over the period),
and the script asserts they agree. The two sides of a pair alternate run by run, so a change in
the machine's load touches both; each keeps its best time. Targets: ≥ 3× pandas, ≥ 10× json loop.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import generate

SLO = """apiVersion: onshift/v1
kind: SLO
metadata: {name: bench, service: agent}
spec:
  objective: 99.9
  window: 30d
  indicator:
    events:
      bad_if:
        - {field: status, op: ">=", value: 500}
        - {field: ttft_ms, op: ">", value: 2000}
"""

PANDAS = r"""
import json, sys
import pandas as pd
frame = pd.read_csv(sys.argv[1], usecols=["timestamp", "status", "ttft_ms"])
seconds = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601").astype("int64") // 10**9
bad = (frame["status"] >= 500) | (frame["ttft_ms"] > 2000)
minute = (seconds // 60 + 1) * 60
per = pd.DataFrame({"end": minute, "bad": bad.astype("int64"), "total": 1}).groupby("end").sum()
per = per.reindex(range(per.index.min(), per.index.max() + 60, 60), fill_value=0)
print(json.dumps({"total": int(per["total"].sum()), "bad": int(per["bad"].sum())}))
"""

JSON_LOOP = r"""
import json, sys
from collections import defaultdict
from datetime import datetime
bad_per, total_per = defaultdict(int), defaultdict(int)
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        if not line.strip():
            continue
        row = json.loads(line)
        ts = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")).timestamp()
        end = (int(ts) // 60 + 1) * 60
        total_per[end] += 1
        if row["status"] >= 500 or row["ttft_ms"] > 2000:
            bad_per[end] += 1
print(json.dumps({"total": sum(total_per.values()), "bad": sum(bad_per.values())}))
"""


def _run(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def timed_pair(ours: list[str], theirs: list[str], repeat: int) -> tuple[float, str, float, str]:
    """Best time and output of each command, the two run alternately ``repeat`` times."""
    best_ours, best_theirs, out_ours, out_theirs = float("inf"), float("inf"), "", ""
    for _ in range(repeat):
        seconds, out_ours = _run(ours)
        best_ours = min(best_ours, seconds)
        seconds, out_theirs = _run(theirs)
        best_theirs = min(best_theirs, seconds)
    return best_ours, out_ours, best_theirs, out_theirs


def onshift_numbers(out: str) -> dict[str, int]:
    (slo,) = json.loads(out)["slos"]
    return {"total": int(slo["total"]), "bad": int(slo["bad"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--only", choices=["csv", "jsonl"], help="run one of the two pairs")
    args = parser.parse_args()
    csv_path, jsonl_path = generate(args.rows, args.out)
    work = Path(tempfile.mkdtemp(prefix="onshift-e2e-"))
    slo = work / "slo.yaml"
    slo.write_text(SLO, encoding="utf-8")
    onshift = [sys.executable, "-m", "onshift.cli", "slo", "report", str(slo), "--json"]
    print(f"== {args.rows:,} requests, whole processes, best of {args.repeat} ==")
    pairs = (
        ("CSV  ", csv_path, PANDAS, 3.0),
        ("JSONL", jsonl_path, JSON_LOOP, 10.0),
    )
    for label, path, script, target in pairs:
        if args.only and label.strip().lower() != args.only:
            continue
        mine = [*onshift, "--events", str(path)]
        baseline = [sys.executable, "-c", script, str(path)]
        ours, out, theirs, base = timed_pair(mine, baseline, args.repeat)
        got, want = onshift_numbers(out), json.loads(base)
        assert got["total"] == want["total"], (got, want)
        assert got["bad"] == want["bad"], (got, want)
        name = "pandas" if script is PANDAS else "json loop"
        print(
            f"{label} onshift slo report {ours:7.2f} s | {name:9} {theirs:7.2f} s | "
            f"ratio {theirs / ours:5.2f}x (target >= {target:g}x) | "
            f"{args.rows / ours / 1e6:5.2f} M events/s"
        )


if __name__ == "__main__":
    main()

"""Regenerate the example data in ``examples/data`` (deterministic: same seed, same bytes).

    python examples/generate.py

- ``agent-counts.csv``: 3 days of per-minute counts for the support agent at about 120
  requests a minute, with a provider 503 storm (15 % errors for 10 minutes) on day 2 and a
  brownout (3 % errors) that starts at 21:30 on day 3 and is still going when the data ends.
- ``agent-requests.jsonl``: one day of individual requests (status, ttft_ms, output_tokens,
  provider) at about 8 a minute, with a 40-minute latency brownout at 14:00.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 1, tzinfo=UTC)
HERE = Path(__file__).parent / "data"


def _error_rate(minute: int) -> float:
    day2_storm = 1440 + 9 * 60
    day3_brownout = 2 * 1440 + 21 * 60 + 30
    if day2_storm <= minute < day2_storm + 10:
        return 0.15
    if minute >= day3_brownout:
        return 0.03
    return 0.0004


def counts(rng: random.Random) -> str:
    lines = ["timestamp,good,total"]
    for minute in range(3 * 1440):
        end = START + timedelta(minutes=minute + 1)
        total = rng.randint(100, 140)
        bad = sum(1 for _ in range(total) if rng.random() < _error_rate(minute))
        lines.append(f"{end.strftime('%Y-%m-%dT%H:%M:%SZ')},{total - bad},{total}")
    return "\n".join(lines) + "\n"


def requests(rng: random.Random) -> str:
    lines = []
    for minute in range(1440):
        slow = 14 * 60 <= minute < 14 * 60 + 40
        for _ in range(rng.randint(5, 11)):
            at = START + timedelta(minutes=minute, seconds=rng.random() * 60)
            status = 200 if rng.random() > 0.001 else rng.choice([503, 529, 429])
            ttft = rng.lognormvariate(6.3 if not slow else 7.1, 0.3)
            lines.append(
                json.dumps(
                    {
                        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "status": status,
                        "ttft_ms": round(ttft, 1),
                        "output_tokens": rng.randint(20, 600),
                        "provider": rng.choice(["primary", "primary", "primary", "fallback"]),
                    }
                )
            )
    return "\n".join(lines) + "\n"


def main(out: Path = HERE) -> None:
    out.mkdir(exist_ok=True)
    (out / "agent-counts.csv").write_text(counts(random.Random(7)), encoding="utf-8")
    (out / "agent-requests.jsonl").write_text(requests(random.Random(11)), encoding="utf-8")


if __name__ == "__main__":
    main()

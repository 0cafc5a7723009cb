"""Build ``promtool test rules`` files that replay a count series through generated rules.

Counts become two counters (``code="500"`` = cumulative bad, ``code="200"`` = cumulative good)
sampled every minute from t = 0 (value 0), so the sample at minute k holds the counts of rows
1…k and a ``[w]`` range at minute k covers exactly the rows of onshift's trailing window ending
at row k. Annotations are dropped from the copy of the rules that promtool runs: promtool
compares them verbatim, they never change when an alert fires, and their values are checked by
the golden file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from onshift.alerting.evaluate import evaluate_policy
from onshift.slo.model import SLO, Severity
from onshift.slo.series import CountSeries
from onshift.units import format_duration


def counter_values(counts: Iterable[float]) -> str:
    cumulative = np.concatenate(([0], np.cumsum(np.asarray(list(counts), dtype=np.int64))))
    return " ".join(str(int(v)) for v in cumulative)


Tier = tuple[str, str, str]  # severity, long, short


def tier_states_from_replay(
    transitions: list[dict[str, Any]], tiers: list[Tier], minutes: int
) -> dict[Tier, np.ndarray]:
    """Firing per tier at minute k (k = 0 … minutes) from ``alerts replay --json``."""
    out = {tier: np.zeros(minutes + 1, dtype=bool) for tier in tiers}
    for t in transitions:
        k = int(datetime.fromisoformat(t["at"].replace("Z", "+00:00")).timestamp()) // 60
        out[(t["severity"], t["long"], t["short"])][k:] = t["state"] == "firing"
    return out


def by_severity(tiers: dict[Tier, np.ndarray]) -> dict[Severity, np.ndarray]:
    out = {}
    for sev in (Severity.PAGE, Severity.TICKET):
        combined = np.zeros(len(next(iter(tiers.values()))), dtype=bool)
        for (severity, _, _), firing in tiers.items():
            if severity == str(sev):
                combined |= firing
        out[sev] = combined
    return out


def expected_states(slo: SLO, series: CountSeries) -> dict[Severity, np.ndarray]:
    """Firing per severity at minute k (k = 0 … n), as onshift evaluates it."""
    evaluation = evaluate_policy(slo, series)
    return {
        sev: np.concatenate(([False], evaluation.firing(sev)))
        for sev in (Severity.PAGE, Severity.TICKET)
    }


def stable_minutes(states: dict[Any, np.ndarray], tolerance: int = 1) -> list[int]:
    """Minutes at least ``tolerance`` evaluations away from any transition of onshift's."""
    n = len(next(iter(states.values())))
    near = np.zeros(n, dtype=bool)
    for firing in states.values():
        for k in np.flatnonzero(np.diff(firing.astype(np.int8))) + 1:
            near[max(0, k - tolerance) : k + tolerance + 1] = True
    return [int(k) for k in np.flatnonzero(~near)]


PROBE = "OnshiftTierProbe"


def _with_tier_probes(rules: dict[str, Any], tiers: list[Tier]) -> None:
    """Add one alert per tier whose expression is that tier's clause of the generated alert."""
    alerts = rules["groups"][-1]["rules"]
    clauses: list[str] = []
    for rule in alerts:
        clauses.extend(rule["expr"].strip().split("\nor\n"))
    assert len(clauses) == len(tiers)
    for (severity, long, short), clause in zip(tiers, clauses, strict=True):
        alerts.append(
            {"alert": PROBE, "expr": clause, "labels": {"tier": f"{severity}-{long}-{short}"}}
        )


def write_test(
    *,
    rules_file: Path,
    out_dir: Path,
    slo: SLO,
    series: CountSeries,
    tiers: dict[Tier, np.ndarray],
    metric: str = "agent_requests_total",
    alerts_only: bool = False,
) -> tuple[Path, int]:
    """A promtool test asserting, at every minute away from a transition, which severities and
    which tiers fire. Returns the test file and the number of minutes checked."""
    rules = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    if alerts_only:
        # promtool's test engine loads at most 10 000 samples per query, so a 30 d
        # sum_over_time of 1-minute samples cannot run in it past day 7; alerts never read it.
        period = f"ratio_rate{format_duration(slo.period)}"
        rules["groups"] = [
            {
                **g,
                "rules": [
                    r
                    for r in g["rules"]
                    if not r.get("record", "").endswith(period)
                    and not r.get("record", "").startswith("slo:sli_errors:")
                    and not r.get("record", "").startswith("slo:sli_total:")
                ],
            }
            for g in rules["groups"]
            if "-meta-" not in g["name"]
        ]
    _with_tier_probes(rules, list(tiers))
    bare = out_dir / "rules.yml"
    bare.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")

    severities = by_severity(tiers)
    ids = {
        "sloth_id": f"{slo.service}-{slo.name}",
        "sloth_service": slo.service,
        "sloth_slo": slo.name,
    }
    labels = {**slo.labels, **ids}
    checks: list[dict[str, Any]] = []
    minutes = stable_minutes(tiers)
    for k in minutes:
        firing = [sev for sev in (Severity.PAGE, Severity.TICKET) if severities[sev][k]]
        checks.append(
            {
                "eval_time": f"{k}m",
                "alertname": slo.alerting.name,
                "exp_alerts": [
                    {
                        "exp_labels": {
                            **labels,
                            **slo.alerting.labels,
                            "severity": str(s),
                            "sloth_severity": str(s),
                        }
                    }
                    for s in firing
                ],
            }
        )
        checks.append(
            {
                "eval_time": f"{k}m",
                "alertname": PROBE,
                "exp_alerts": [
                    {"exp_labels": {**labels, "tier": f"{sev}-{long}-{short}"}}
                    for (sev, long, short), state in tiers.items()
                    if state[k]
                ],
            }
        )
    test = {
        "rule_files": [bare.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "name": f"{slo.name}-replay",
                "interval": "1m",
                "input_series": [
                    {"series": f'{metric}{{code="500"}}', "values": counter_values(series.bad)},
                    {"series": f'{metric}{{code="200"}}', "values": counter_values(series.good)},
                ],
                "alert_rule_test": checks,
            }
        ],
    }
    path = out_dir / "replay_test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False, width=1 << 30), encoding="utf-8")
    return path, len(minutes)

"""Escalation tick cost with 10 000 open incidents: O(due), not O(open).

Run: ``python bench/bench_escalation.py``. Prints numbers; asserts nothing but that both
methods find the same notifications.

Every incident has paged its level 1 and waits for level 2. At the tick, 1 % (then 10 %) of
them are due. The indexed tick takes the due incidents from the wake-up index (the same
structure the in-memory store uses; the SQL store uses an indexed ``due_at`` column) and runs
the pure escalation function on them only. The naive baseline runs the same function on every
open incident, as a scheduler without persisted wake-ups would have to. Last, the SQLite
store's ``due()`` query over 10 000 persisted wake-ups, with its query plan.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from functools import partial

from onshift.incident.events import Escalated, IncidentOpened, PageSent, Severity
from onshift.incident.reducer import IncidentState, fold
from onshift.incident.store import IncidentStore, WakeupIndex
from onshift.oncall.escalation import escalate_state
from onshift.oncall.policy import EscalationPolicy, Level, Target
from onshift.oncall.schedule import Handoff, Layer, Rotation, Schedule

N = 10_000
REPEATS = 7
TICK = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)  # a DST-change morning in Europe


def build_world() -> tuple[dict[str, EscalationPolicy], dict[str, Schedule]]:
    schedules = {
        "primary": Schedule(
            name="primary",
            time_zone="Europe/Berlin",
            layers=(
                Layer(
                    name="weekly",
                    rotation=Rotation(
                        kind=Handoff.WEEKLY,
                        handoff=clock_time(9),
                        start=datetime(2026, 3, 2, tzinfo=UTC).date(),
                        members=("ann", "bob", "carol"),
                    ),
                ),
            ),
        ),
        "secondary": Schedule(
            name="secondary",
            time_zone="America/New_York",
            layers=(
                Layer(
                    name="daily",
                    rotation=Rotation(
                        kind=Handoff.DAILY,
                        handoff=clock_time(8),
                        start=datetime(2026, 3, 1, tzinfo=UTC).date(),
                        members=("dave", "erin"),
                    ),
                ),
            ),
        ),
    }
    policies = {}
    for name, first in (("fast", 5), ("normal", 10), ("slow", 15)):
        policies[name] = EscalationPolicy(
            name=name,
            levels=(
                Level(targets=(Target.parse("schedule:primary"),), ack_timeout=first * MINUTE),
                Level(
                    targets=(Target.parse("schedule:secondary"), Target.parse("user:lead")),
                    ack_timeout=10 * MINUTE,
                ),
                Level(targets=(Target.parse("user:director"),), ack_timeout=15 * MINUTE),
            ),
            repeat=1,
        )
    return policies, schedules


MINUTE = timedelta(minutes=1)


def build_incidents(
    policies: dict[str, EscalationPolicy], due_fraction: float, rng: random.Random
) -> tuple[dict[int, IncidentState], WakeupIndex]:
    states: dict[int, IncidentState] = {}
    index = WakeupIndex()
    names = sorted(policies)
    due_ids = set(rng.sample(range(1, N + 1), round(N * due_fraction)))
    for key in range(1, N + 1):
        policy = policies[names[key % len(names)]]
        first = policy.levels[0].ack_timeout
        if key in due_ids:  # level 2 became due up to 10 minutes ago
            age = first + timedelta(seconds=rng.randrange(0, 600))
        else:  # level 2 is still ahead
            age = timedelta(seconds=rng.randrange(0, int(first.total_seconds())))
        opened = TICK - age
        state = fold(
            [
                IncidentOpened(
                    at=opened, title=f"incident {key}", severity=Severity.SEV1, policy=policy.name
                ),
                Escalated(at=opened, level=1, step=0, ladder_start=opened),
                PageSent(
                    at=opened,
                    target="ann",
                    via="schedule:primary",
                    level=1,
                    step=0,
                    ladder_start=opened,
                ),
            ]
        )
        states[key] = state
        index.set(key, opened + first)
    return states, index


def indexed_tick(
    states: dict[int, IncidentState],
    index: WakeupIndex,
    policies: dict[str, EscalationPolicy],
    schedules: dict[str, Schedule],
) -> list[tuple[int, int, str | None]]:
    out = []
    for key, _ in index.due(TICK):
        state = states[key]
        decision = escalate_state(policies[state.policy], schedules, state, TICK)
        out.extend((key, s.level, r.user) for s in decision.steps for r in s.recipients)
    return out


def naive_tick(
    states: dict[int, IncidentState],
    policies: dict[str, EscalationPolicy],
    schedules: dict[str, Schedule],
) -> list[tuple[int, int, str | None]]:
    out = []
    for key, state in states.items():
        decision = escalate_state(policies[state.policy], schedules, state, TICK)
        out.extend((key, s.level, r.user) for s in decision.steps for r in s.recipients)
    return out


Found = list[tuple[int, int, str | None]]


def timed(action: Callable[[], Found]) -> tuple[float, Found]:
    samples = []
    result: Found = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, result


def main() -> None:
    policies, schedules = build_world()
    print(
        f"{N} open sev1 incidents, {len(policies)} policies, {len(schedules)} schedules; "
        f"median of {REPEATS} ticks"
    )
    print(
        f"{'due':>5} {'incidents':>9} {'notifications':>13} {'indexed ms':>11} "
        f"{'µs/due':>7} {'naive ms':>9} {'speed-up':>8}"
    )
    for fraction in (0.01, 0.10):
        states, index = build_incidents(policies, fraction, random.Random(42))
        fast_ms, fast = timed(partial(indexed_tick, states, index, policies, schedules))
        slow_ms, slow = timed(partial(naive_tick, states, policies, schedules))
        assert sorted(fast, key=repr) == sorted(slow, key=repr)  # the same notifications
        due = len(index.due(TICK))
        print(
            f"{fraction:>5.0%} {due:>9} {len(fast):>13} {fast_ms:>11.2f} "
            f"{fast_ms * 1000 / due:>7.1f} {slow_ms:>9.2f} {slow_ms / fast_ms:>7.1f}x"
        )
    print("target: one tick under 50 ms at 10 % due")
    sql_due_query()


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def sql_due_query() -> None:
    """The persisted side: finding the due wake-ups in SQLite is an indexed range scan."""
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa

    from onshift.incident.sqlschema import incidents, wakeups
    from onshift.incident.sqlstore import SqlIncidentStore, database_url

    print(f"SQLite due() with {N} persisted wake-ups (index on due_at), median of {REPEATS}:")
    plan = ""
    for fraction in (0.01, 0.10):
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "bench.db")
            store = SqlIncidentStore(path)  # creates the schema
            due_ids = set(random.Random(7).sample(range(1, N + 1), round(N * fraction)))
            # Bulk load in one transaction (the benchmark measures reads, not N fsyncs).
            engine = sa.create_engine(database_url(path))
            with engine.begin() as conn:
                conn.execute(
                    incidents.insert(),
                    [
                        {
                            "id": k,
                            "title": "x",
                            "severity": "sev1",
                            "status": "triggered",
                            "service": "",
                            "opened_at": 0,
                            "version": 1,
                        }
                        for k in range(1, N + 1)
                    ],
                )
                later = [TICK + MINUTE * (1 + k % 60) for k in range(N + 1)]
                conn.execute(
                    wakeups.insert(),
                    [
                        {
                            "incident_id": k,
                            "due_at": _micros(TICK - MINUTE if k in due_ids else later[k]),
                        }
                        for k in range(1, N + 1)
                    ],
                )
                plan = conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT incident_id, due_at FROM onshift_wakeups "
                    "WHERE due_at <= 0 ORDER BY due_at, incident_id"
                ).all()[-1][-1]
            engine.dispose()
            ms, found = timed(partial(_due, store))
            assert len(found) == len(due_ids)
            print(f"  {fraction:>4.0%} due: {len(found):>5} rows in {ms:6.2f} ms")
            store.close()
    print(f"  query plan: {plan}")


def _due(store: IncidentStore) -> Found:
    return [(k, 0, None) for k, _ in store.due(TICK)]


if __name__ == "__main__":
    main()

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onshift.errors import ConflictError
from onshift.incident import events as ev
from onshift.incident.dedup import IncomingAlert, ingest_alert
from onshift.incident.events import Severity
from onshift.incident.metrics import incident_times, percentile, summarize
from onshift.incident.reducer import IncidentState, fold
from onshift.testing import MemoryIncidentStore

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def incident(
    ack: int | None, mitigate: int | None, resolve: int | None, fault: int | None = None
) -> IncidentState:
    events: list[ev.Event] = [
        ev.IncidentOpened(
            at=T0,
            title="t",
            severity=Severity.SEV1,
            fault_started_at=None if fault is None else T0 - fault * MIN,
        )
    ]
    if ack is not None:
        events.append(ev.Acknowledged(at=T0 + ack * MIN, actor="a"))
    if mitigate is not None:
        events.append(ev.MitigationVerified(at=T0 + mitigate * MIN))
    if resolve is not None:
        events.append(ev.Resolved(at=T0 + resolve * MIN))
    return fold(events)


def test_phase_times_run_from_fault_start_to_opening_and_from_opening_onwards() -> None:
    times = incident_times(incident(ack=3, mitigate=20, resolve=95, fault=7))
    assert times.detect == 7 * MIN
    assert times.acknowledge == 3 * MIN
    assert times.mitigate == 20 * MIN
    assert times.resolve == 95 * MIN


def test_unknown_phases_are_none_not_zero() -> None:
    times = incident_times(incident(ack=None, mitigate=None, resolve=None))
    assert (times.detect, times.acknowledge, times.mitigate, times.resolve) == (None,) * 4


def test_across_incidents_we_report_median_and_p90_which_a_long_tail_does_not_drag() -> None:
    acks = [1, 2, 2, 3, 3, 4, 5, 6, 8, 240]
    summary = summarize(incident(ack=a, mitigate=None, resolve=a + 10) for a in acks)
    assert summary.incidents == 10
    assert summary.acknowledge.count == 10
    assert summary.acknowledge.median == timedelta(minutes=3.5)
    # Linear interpolation between the 9th (8 min) and 10th (240 min) value at rank 8.1.
    assert summary.acknowledge.p90 == timedelta(minutes=8 + 0.1 * 232)
    assert summary.mitigate.count == 0
    assert summary.mitigate.median is None
    assert summary.detect.p90 is None


def test_percentile_of_one_value_is_that_value_and_of_none_is_an_error() -> None:
    assert percentile([MIN], 0.9) == MIN
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def alert(fp: str, minutes: int = 0) -> IncomingAlert:
    return IncomingAlert(
        fingerprint=fp, title="high error rate", severity=Severity.SEV2, fired_at=T0 + minutes * MIN
    )


def test_an_alert_with_the_fingerprint_of_an_open_incident_attaches_to_it() -> None:
    store = MemoryIncidentStore()
    first, created = ingest_alert(store, alert("abc"))
    again, created_again = ingest_alert(store, alert("abc", 5))
    other, created_other = ingest_alert(store, alert("xyz", 6))
    assert (created, created_again, created_other) == (True, False, True)
    assert again.id == first.id != other.id
    assert again.state.alerts == 2
    assert [e.kind for e in store.timeline(first.id)] == ["opened", "alert_fired"]


def test_an_alert_after_the_incident_was_resolved_opens_a_new_one() -> None:
    store = MemoryIncidentStore()
    first, _ = ingest_alert(store, alert("abc"))
    store.append(first.id, [ev.Resolved(at=T0 + MIN)])
    second, created = ingest_alert(store, alert("abc", 2))
    assert created
    assert second.id != first.id


def test_a_store_never_holds_two_open_incidents_with_one_fingerprint() -> None:
    store = MemoryIncidentStore()
    first, _ = ingest_alert(store, alert("abc"))
    with pytest.raises(ConflictError):
        store.create(
            ev.IncidentOpened(at=T0, title="dup", severity=Severity.SEV2, fingerprint="abc")
        )
    store.append(first.id, [ev.Resolved(at=T0 + MIN)])
    ingest_alert(store, alert("abc", 2))
    with pytest.raises(ConflictError):
        store.append(first.id, [ev.StatusChanged(at=T0 + 3 * MIN, status=ev.Status.TRIGGERED)])

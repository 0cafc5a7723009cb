from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onshift.errors import InvalidTransition
from onshift.incident import events as ev
from onshift.incident.events import Event, Severity, Status
from onshift.incident.reducer import fold

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
T, A, M, R = Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED, Status.RESOLVED


def opened(at: datetime = T0, severity: Severity = Severity.SEV2) -> ev.IncidentOpened:
    return ev.IncidentOpened(at=at, title="LLM gateway 5xx", severity=severity)


# The specification, written out as a table: which states allow each kind of event, and what
# it changes the status to (absent: unchanged; BACK: the status it had before mitigation).
BACK = "back"


def severity_at(t: datetime) -> Severity:
    """A severity that varies with the event's second, so a run may repeat one."""
    return list(Severity)[t.second % 4]


Maker = Callable[[datetime], Event]
SPEC: dict[str, tuple[Maker, frozenset[Status], dict[Status, Status | str]]] = {
    "ack": (lambda t: ev.Acknowledged(at=t, actor="ann"), frozenset({T}), {T: A}),
    "mitigated": (lambda t: ev.MitigationVerified(at=t), frozenset({T, A, M}), {T: M, A: M}),
    "reverted": (lambda t: ev.MitigationReverted(at=t), frozenset({T, A, M}), {M: BACK}),
    "applied": (lambda t: ev.MitigationApplied(at=t), frozenset({T, A, M}), {}),
    "resolve": (lambda t: ev.Resolved(at=t), frozenset({T, A, M}), {T: R, A: R, M: R}),
    "reopen": (
        lambda t: ev.StatusChanged(at=t, status=T),
        frozenset({A, M, R}),
        {A: T, M: T, R: T},
    ),
    "to-ack": (lambda t: ev.StatusChanged(at=t, status=A), frozenset({T, M}), {T: A, M: A}),
    "to-mitigated": (lambda t: ev.StatusChanged(at=t, status=M), frozenset({T, A}), {T: M, A: M}),
    "to-resolved": (
        lambda t: ev.StatusChanged(at=t, status=R),
        frozenset({T, A, M}),
        {T: R, A: R, M: R},
    ),
    "note": (lambda t: ev.Note(at=t, text="looking"), frozenset({T, A, M, R}), {}),
    "alert": (lambda t: ev.AlertFired(at=t, fingerprint="f"), frozenset({T, A, M}), {}),
    "alert-ok": (lambda t: ev.AlertResolved(at=t, fingerprint="f"), frozenset({T, A, M, R}), {}),
    "page": (
        lambda t: ev.PageSent(at=t, target="ann", via="user:ann", level=1, step=0, ladder_start=T0),
        frozenset({T, A}),
        {},
    ),
    "escalated": (
        lambda t: ev.Escalated(at=t, level=2, step=1, ladder_start=T0),
        frozenset({T, A}),
        {},
    ),
    "ticket": (
        lambda t: ev.TicketOpened(at=t, target="ann", via="user:ann"),
        frozenset({T, A, M}),
        {},
    ),
    "commander": (lambda t: ev.CommanderAssigned(at=t, commander="ann"), frozenset({T, A, M}), {}),
    # Also refused when it names the severity the incident already has (see the model below).
    "severity": (
        lambda t: ev.SeverityChanged(at=t, severity=severity_at(t)),
        frozenset({T, A, M}),
        {},
    ),
    "undelivered": (
        lambda t: ev.DeliveryFailed(
            at=t, target="", via="schedule:x", level=1, step=0, ladder_start=T0
        ),
        frozenset({T, A, M}),
        {},
    ),
    "opened": (opened, frozenset(), {}),
}


@pytest.mark.parametrize(
    ("name", "state"),
    [(name, s) for name, (_, allowed, _) in SPEC.items() for s in (T, A, M, R) if s not in allowed],
)
def test_every_event_its_state_does_not_allow_raises_invalid_transition(
    name: str, state: Status
) -> None:
    path = {T: [], A: ["ack"], M: ["mitigated"], R: ["resolve"]}[state]
    events = [opened()] + [SPEC[step][0](T0 + timedelta(minutes=1)) for step in path]
    assert fold(events).status is state
    with pytest.raises(InvalidTransition) as caught:
        fold([*events, SPEC[name][0](T0 + timedelta(minutes=2))])
    assert caught.value.state == str(state)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(sorted(SPEC)), max_size=12))
def test_the_reducer_accepts_exactly_the_sequences_the_table_allows(steps: list[str]) -> None:
    events = [opened()] + [SPEC[s][0](T0 + timedelta(seconds=i + 1)) for i, s in enumerate(steps)]
    status = before_mitigation = T
    severity = Severity.SEV2
    first_illegal = None
    for i, step in enumerate(steps):
        _, allowed, moves = SPEC[step]
        if status not in allowed:
            first_illegal = i
            break
        if step == "severity":
            if severity_at(events[i + 1].at) is severity:
                first_illegal = i
                break
            severity = severity_at(events[i + 1].at)
        moved = moves.get(status, status)
        if moved == BACK:
            moved = before_mitigation
        elif moved is M and status is not M:
            before_mitigation = status
        assert isinstance(moved, Status)
        status = moved
    if first_illegal is None:
        assert fold(events).status is status
    else:
        with pytest.raises(InvalidTransition) as caught:
            fold(events)
        assert caught.value.event == str(SPEC[steps[first_illegal]][0](T0).kind)
        assert caught.value.state == str(status)
        # Everything before the illegal event folds fine.
        assert fold(events[: first_illegal + 1]).status is status


@pytest.mark.parametrize(("acknowledged", "back_to"), [(False, T), (True, A)])
def test_a_reverted_mitigation_goes_back_to_the_status_before_it(
    *, acknowledged: bool, back_to: Status
) -> None:
    # An automatic mitigation of an incident nobody acknowledged, then reverted: nobody has
    # it, so it is triggered again (and pages), not "acknowledged" by nobody.
    minute = timedelta(minutes=1)
    events: list[Event] = [opened()]
    if acknowledged:
        events.append(ev.Acknowledged(at=T0 + minute, actor="ann"))
    events += [
        ev.MitigationVerified(at=T0 + 2 * minute, action="rollback"),
        ev.MitigationReverted(at=T0 + 3 * minute, action="rollback"),
    ]
    state = fold(events)
    assert state.status is back_to
    assert state.first_acknowledged_at == (T0 + minute if acknowledged else None)
    if not acknowledged:
        assert state.triggered_at == T0 + 3 * minute


def test_a_timeline_must_start_by_opening_the_incident() -> None:
    with pytest.raises(InvalidTransition, match="first event must open"):
        fold([ev.Note(at=T0, text="hi")])
    with pytest.raises(InvalidTransition, match="empty"):
        fold([])


def test_changing_to_the_same_severity_is_rejected_and_a_change_is_recorded() -> None:
    start = [opened(severity=Severity.SEV2)]
    state = fold([*start, ev.SeverityChanged(at=T0 + timedelta(minutes=3), severity=Severity.SEV1)])
    assert state.severity is Severity.SEV1
    assert state.severity_changes == (
        (T0, Severity.SEV2),
        (T0 + timedelta(minutes=3), Severity.SEV1),
    )
    with pytest.raises(InvalidTransition, match="already sev2"):
        fold([*start, ev.SeverityChanged(at=T0, severity=Severity.SEV2)])


def test_the_state_records_who_acknowledged_and_when_each_phase_happened() -> None:
    minute = timedelta(minutes=1)
    state = fold(
        [
            opened(),
            ev.CommanderAssigned(at=T0 + minute, actor="bob", commander="ann"),
            ev.Acknowledged(at=T0 + 2 * minute, actor="ann"),
            ev.MitigationVerified(at=T0 + 10 * minute, actor="ann", action="rollback"),
            ev.Resolved(at=T0 + 60 * minute, actor="ann"),
            ev.StatusChanged(at=T0 + 90 * minute, status=T, reason="regressed"),
        ]
    )
    assert state.status is T
    assert state.commander == "ann"
    assert state.acknowledged_by == "ann"
    assert state.first_acknowledged_at == T0 + 2 * minute
    assert state.mitigated_at == T0 + 10 * minute
    assert state.resolved_at == T0 + 60 * minute
    assert state.triggered_at == T0 + 90 * minute
    assert state.events == 6


def test_events_need_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ev.Note(at=T0.replace(tzinfo=None), text="x")

"""The imperative shell around :func:`escalate_state`: wake up, deliver, record, reschedule.

Each tick takes the incidents whose persisted wake-up is due (O(due), never a scan of all open
incidents), asks the pure function what to do, delivers the notifications with retries, and
appends what happened — the ladder step, each page or ticket, each failure — together with the
next wake-up in one write. Pages are delivered before they are recorded: after a crash in
between, a restarted runner pages again (at-least-once; the PagerDuty ``dedup_key`` folds it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from onshift.clock import Clock
from onshift.errors import ConflictError, InvalidTransition
from onshift.incident.events import (
    Channel,
    DeliveryFailed,
    Escalated,
    Event,
    Note,
    PageSent,
    Status,
    StatusChanged,
    TicketOpened,
)
from onshift.incident.reducer import IncidentState, fold
from onshift.incident.store import Incident, IncidentStore
from onshift.oncall.escalation import DueStep, EscalationDecision, escalate_state
from onshift.oncall.notify import Action, Notification, Notifier, RetryPolicy, deliver
from onshift.oncall.policy import EscalationPolicy
from onshift.oncall.schedule import Schedule

__all__ = ["EscalationRunner", "TickReport"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TickReport:
    incidents: int = 0
    pages: int = 0
    tickets: int = 0
    failures: int = 0
    unrouted: int = 0  # incidents without a policy to escalate by

    def __add__(self, other: TickReport) -> TickReport:
        return TickReport(
            incidents=self.incidents + other.incidents,
            pages=self.pages + other.pages,
            tickets=self.tickets + other.tickets,
            failures=self.failures + other.failures,
            unrouted=self.unrouted + other.unrouted,
        )


class EscalationRunner:
    """Carries out escalation decisions for the incidents in ``store``.

    An incident uses the policy named on it if loaded, else ``default_policy``; an incident
    with neither gets a note on its timeline saying nobody is paged, and no more wake-ups.
    """

    def __init__(
        self,
        *,
        store: IncidentStore,
        policies: Mapping[str, EscalationPolicy],
        schedules: Mapping[str, Schedule],
        notifier: Notifier,
        clock: Clock,
        retry: RetryPolicy | None = None,
        default_policy: str = "",
        actor: str = "escalation",
    ) -> None:
        self._store = store
        self._policies = policies
        self._schedules = schedules
        self._notifier = notifier
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._default = default_policy
        self._actor = actor

    def policy_for(self, state: IncidentState) -> EscalationPolicy | None:
        """The incident's own policy if loaded, else the default policy."""
        return self._policies.get(state.policy) or self._policies.get(self._default)

    def tick(self) -> TickReport:
        """Handle every incident whose wake-up is due now."""
        report = TickReport()
        for incident_id, _ in self._store.due(self._clock.now()):
            report += self.process(incident_id)
        return report

    def run(self, *, interval: timedelta, max_ticks: int | None = None) -> Iterator[TickReport]:
        """Tick now (overdue pages go out at once), then at each wake-up, looking at least
        every ``interval`` for incidents opened by other processes. Yields each tick's report;
        waits go through the clock."""
        done = 0
        while max_ticks is None or done < max_ticks:
            yield self.tick()
            done += 1
            if max_ticks is not None and done >= max_ticks:
                return
            now = self._clock.now()
            wake = self._store.next_wake()
            wait = interval if wake is None else min(interval, max(wake - now, timedelta(0)))
            self._clock.sleep(wait)

    def process(self, incident_id: int) -> TickReport:
        for _ in range(5):
            incident = self._store.get(incident_id)
            try:
                return self._process(incident)
            except ConflictError:
                continue  # someone acknowledged or resolved meanwhile: decide again
        return TickReport(incidents=1)

    def _process(self, incident: Incident) -> TickReport:
        policy = self.policy_for(incident.state)
        if policy is None:
            # Say so on the timeline rather than drop the incident silently.
            wanted = incident.state.policy or "(none)"
            text = f"no escalation policy {wanted!r} is loaded and no default: nobody is paged"
            note = Note(at=self._clock.now(), actor=self._actor, text=text)
            self._store.append(incident.id, [note], expected_version=incident.version, wake_at=None)
            return TickReport(incidents=1, unrouted=1)
        events: list[Event] = []
        report = TickReport(incidents=1)
        state = incident.state
        decision = escalate_state(policy, self._schedules, state, self._clock.now())
        # A step that reached nobody makes the next one due at once: keep going in this tick.
        for _ in range(len(policy.page_ladder) + 2):
            if not decision.steps and decision.ack_expired_at is None:
                break
            batch, step_report = self._carry_out(incident.id, state, decision)
            events.extend(batch)
            report += step_report
            state = fold(batch, state)
            decision = escalate_state(policy, self._schedules, state, self._clock.now())
        try:
            self._store.append(
                incident.id, events, expected_version=incident.version, wake_at=decision.next_wake
            )
        except ConflictError:
            if not events:
                raise
            self._record_after_race(incident.id, events)
        return report

    def _record_after_race(self, incident_id: int, events: list[Event]) -> None:
        # The notifications went out: record them if the incident still allows it (but not a
        # status change decided on the old state: that could reopen a resolved incident),
        # and look again at once either way.
        sent = [e for e in events if not isinstance(e, StatusChanged)]
        try:
            self._store.append(incident_id, sent, wake_at=self._clock.now())
        except InvalidTransition:
            self._store.append(incident_id, [], wake_at=self._clock.now())

    def _carry_out(
        self, incident_id: int, state: IncidentState, decision: EscalationDecision
    ) -> tuple[list[Event], TickReport]:
        events: list[Event] = []
        report = TickReport()
        if decision.ack_expired_at is not None and state.status is Status.ACKNOWLEDGED:
            events.append(
                StatusChanged(
                    at=decision.ack_expired_at,
                    actor=self._actor,
                    status=Status.TRIGGERED,
                    reason="acknowledgement expired",
                )
            )
        for step in decision.steps:
            events.append(
                Escalated(
                    at=self._clock.now(),
                    actor=self._actor,
                    level=step.level,
                    step=step.step,
                    ladder_start=step.ladder_start,
                    channel=step.channel,
                )
            )
            step_events, step_report = self._notify(incident_id, state, step)
            events.extend(step_events)
            report += step_report
        return events, report

    def _notify(
        self, incident_id: int, state: IncidentState, step: DueStep
    ) -> tuple[list[Event], TickReport]:
        events: list[Event] = []
        pages = tickets = failures = 0
        for recipient in step.recipients:
            error, attempts = "nobody is on call", 0
            if recipient.user is not None:
                outcome = deliver(
                    self._notifier,
                    Notification(
                        action=Action.TRIGGER,
                        channel=step.channel,
                        incident_id=incident_id,
                        title=state.title,
                        severity=state.severity,
                        service=state.service,
                        user=recipient.user,
                        via=recipient.via,
                        level=step.level,
                    ),
                    self._clock,
                    self._retry,
                )
                error, attempts = outcome.error, outcome.attempts
                if outcome.delivered:
                    if step.channel is Channel.PAGE:
                        pages += 1
                        events.append(
                            PageSent(
                                at=self._clock.now(),
                                actor=self._actor,
                                target=recipient.user,
                                via=recipient.via,
                                level=step.level,
                                step=step.step,
                                ladder_start=step.ladder_start,
                            )
                        )
                    else:
                        tickets += 1
                        events.append(
                            TicketOpened(
                                at=self._clock.now(),
                                actor=self._actor,
                                target=recipient.user,
                                via=recipient.via,
                                step=step.step,
                                ladder_start=step.ladder_start,
                            )
                        )
                    continue
            failures += 1
            events.append(
                DeliveryFailed(
                    at=self._clock.now(),
                    actor=self._actor,
                    target=recipient.user or "",
                    via=recipient.via,
                    level=step.level,
                    step=step.step,
                    ladder_start=step.ladder_start,
                    channel=step.channel,
                    attempts=attempts,
                    error=error,
                )
            )
        return events, TickReport(pages=pages, tickets=tickets, failures=failures)

"""The ``Notifier`` port, the console notifier, and delivery with retries through the Clock."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol, TextIO, runtime_checkable

from onshift.clock import Clock
from onshift.errors import DeliveryError, DeliveryRejected
from onshift.incident.events import Channel, Severity

__all__ = [
    "Action",
    "ConsoleNotifier",
    "DeliveryOutcome",
    "Notification",
    "Notifier",
    "RetryPolicy",
    "deliver",
]


class Action(StrEnum):
    """PagerDuty Events v2 ``event_action`` vocabulary."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    action: Action
    channel: Channel
    incident_id: int
    title: str
    severity: Severity
    service: str = ""
    user: str = ""  # the person to reach ("" for acknowledge/resolve updates)
    via: str = ""  # the policy target that led to them (user:…, schedule:…)
    level: int = 0

    @property
    def dedup_key(self) -> str:
        return f"onshift-incident-{self.incident_id}"

    def text(self) -> str:
        head = f"[{self.severity}] incident {self.incident_id}: {self.title}"
        if self.action is Action.TRIGGER:
            who = f" → {self.user}" if self.user else ""
            via = f" via {self.via}" if self.via and self.via != f"user:{self.user}" else ""
            level = f" (level {self.level})" if self.level else ""
            return f"{self.channel.upper()}{who}{via}{level} {head}"
        return f"{self.action.upper()} {head}"


@runtime_checkable
class Notifier(Protocol):
    """Delivers one notification or raises :class:`DeliveryError`
    (:class:`DeliveryRejected` when retrying cannot help)."""

    def send(self, notification: Notification) -> None: ...


class ConsoleNotifier:
    """Prints one line per notification (the default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, notification: Notification) -> None:
        stream = self._stream or sys.stdout
        stream.write(notification.text() + "\n")
        stream.flush()


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff: ``initial``, ×``factor`` each time, capped at ``max_delay``."""

    attempts: int = 4
    initial: timedelta = timedelta(seconds=1)
    factor: float = 2.0
    max_delay: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            msg = "at least one attempt"
            raise ValueError(msg)

    def delay(self, retry: int) -> timedelta:
        """The wait before retry number ``retry`` (1-based)."""
        return min(self.initial * self.factor ** (retry - 1), self.max_delay)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryOutcome:
    delivered: bool
    attempts: int
    error: str = ""


def deliver(
    notifier: Notifier, notification: Notification, clock: Clock, retry: RetryPolicy
) -> DeliveryOutcome:
    """Send with retries; waits go through ``clock``. Never raises for a delivery failure."""
    error = ""
    for attempt in range(1, retry.attempts + 1):
        if attempt > 1:
            clock.sleep(retry.delay(attempt - 1))
        try:
            notifier.send(notification)
        except DeliveryRejected as exc:
            return DeliveryOutcome(delivered=False, attempts=attempt, error=str(exc))
        except DeliveryError as exc:
            error = str(exc)
            continue
        return DeliveryOutcome(delivered=True, attempts=attempt)
    return DeliveryOutcome(delivered=False, attempts=retry.attempts, error=error)

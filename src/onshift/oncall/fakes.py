"""Notifier fakes (re-exported by :mod:`onshift.testing`)."""

from __future__ import annotations

from collections.abc import Iterable

from onshift.errors import DeliveryError, DeliveryRejected
from onshift.oncall.notify import Notification

__all__ = ["RecordingNotifier"]


class RecordingNotifier:
    """Records every notification it delivers; can be told to fail.

    ``fail_times`` makes the next that many sends fail (retryable); ``unreachable`` users
    always fail; ``reject`` makes failures permanent (:class:`DeliveryRejected`).
    """

    def __init__(
        self, *, fail_times: int = 0, unreachable: Iterable[str] = (), reject: bool = False
    ) -> None:
        self.sent: list[Notification] = []
        self.attempts = 0
        self.fail_times = fail_times
        self.unreachable = frozenset(unreachable)
        self.reject = reject

    def send(self, notification: Notification) -> None:
        self.attempts += 1
        failing = self.fail_times > 0 or notification.user in self.unreachable
        if failing:
            self.fail_times = max(0, self.fail_times - 1)
            error = DeliveryRejected if self.reject else DeliveryError
            msg = f"cannot reach {notification.user or 'the receiver'}"
            raise error(msg)
        self.sent.append(notification)

    @property
    def users(self) -> list[str]:
        return [n.user for n in self.sent]

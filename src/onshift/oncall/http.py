"""HTTP notifiers: a generic JSON webhook (Slack-compatible body) and PagerDuty Events API v2.

Both take an ``httpx.Client`` (tests pass one with ``httpx.MockTransport`` or point it at a
local server). A 4xx other than 408/429 is a :class:`DeliveryRejected` (retrying cannot help);
timeouts, connection errors, 408, 429 and 5xx are a retryable :class:`DeliveryError`.
"""

from __future__ import annotations

from typing import Any

import httpx

from onshift.errors import DeliveryError, DeliveryRejected
from onshift.incident.events import Channel, Severity
from onshift.oncall.notify import Action, Notification

__all__ = ["PAGERDUTY_EVENTS_URL", "PagerDutyNotifier", "WebhookNotifier"]

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"

# PagerDuty's payload.severity vocabulary (case-sensitive).
_PD_SEVERITY = {
    Severity.SEV1: "critical",
    Severity.SEV2: "error",
    Severity.SEV3: "warning",
    Severity.SEV4: "info",
}
_PD_SUMMARY_LIMIT = 1024


def _post(client: httpx.Client, url: str, body: dict[str, Any], what: str) -> httpx.Response:
    try:
        response = client.post(url, json=body)
    except httpx.HTTPError as exc:
        msg = f"{what}: {type(exc).__name__}: {exc}"
        raise DeliveryError(msg) from exc
    status = response.status_code
    if status < 300:
        return response
    text = response.text[:200]
    msg = f"{what}: HTTP {status} {text}".rstrip()
    if 400 <= status < 500 and status not in (408, 429):
        raise DeliveryRejected(msg)
    raise DeliveryError(msg)


class WebhookNotifier:
    """POSTs ``{"text": …, "onshift": {…}}``: Slack incoming webhooks read ``text``; other
    receivers get the structured fields under ``onshift``."""

    def __init__(self, url: str, *, client: httpx.Client) -> None:
        self._url = url
        self._client = client

    @staticmethod
    def body(notification: Notification) -> dict[str, Any]:
        n = notification
        return {
            "text": n.text(),
            "onshift": {
                "action": str(n.action),
                "channel": str(n.channel),
                "incident_id": n.incident_id,
                "title": n.title,
                "severity": str(n.severity),
                "service": n.service,
                "user": n.user,
                "via": n.via,
                "level": n.level,
                "dedup_key": n.dedup_key,
            },
        }

    def send(self, notification: Notification) -> None:
        _post(self._client, self._url, self.body(notification), "webhook")


class PagerDutyNotifier:
    """Events API v2: ``trigger`` / ``acknowledge`` / ``resolve`` with one ``dedup_key`` per
    incident, so repeated triggers (escalation levels, a retry after a crash) fold into one
    PagerDuty alert. Pages only: a ticket is refused (:class:`DeliveryRejected`)."""

    def __init__(
        self, routing_key: str, *, client: httpx.Client, url: str = PAGERDUTY_EVENTS_URL
    ) -> None:
        if len(routing_key) != 32:
            from onshift.errors import InputError

            msg = "a PagerDuty routing key has 32 characters"
            raise InputError.single(msg, path="--pagerduty-key")
        self._key = routing_key
        self._client = client
        self._url = url

    def body(self, notification: Notification) -> dict[str, Any]:
        n = notification
        body: dict[str, Any] = {
            "routing_key": self._key,
            "event_action": str(n.action),
            "dedup_key": n.dedup_key,
        }
        if n.action is Action.TRIGGER:
            body["payload"] = {
                "summary": n.text()[:_PD_SUMMARY_LIMIT],
                "severity": _PD_SEVERITY[n.severity],
                "source": n.service or "onshift",
                "custom_details": {
                    "incident_id": n.incident_id,
                    "level": n.level,
                    "user": n.user,
                    "via": n.via,
                    "channel": str(n.channel),
                },
            }
            body["client"] = "onshift"
        return body

    def send(self, notification: Notification) -> None:
        if notification.channel is Channel.TICKET:
            # A trigger pages whoever the PagerDuty service escalates to (high urgency by
            # default, whatever payload.severity says): sev3/sev4 tickets never go there.
            msg = "PagerDuty pages people; a ticket is never sent to it"
            raise DeliveryRejected(msg)
        _post(self._client, self._url, self.body(notification), "PagerDuty")

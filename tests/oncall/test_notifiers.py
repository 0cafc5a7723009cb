"""Webhook and PagerDuty notifiers against a real HTTP server on 127.0.0.1, plus retries."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from onshift.clock import SimulatedClock
from onshift.errors import DeliveryError, DeliveryRejected, InputError
from onshift.incident.events import Channel, DeliveryFailed, PageSent, Severity
from onshift.oncall.http import PagerDutyNotifier, WebhookNotifier
from onshift.oncall.notify import (
    Action,
    ConsoleNotifier,
    Notification,
    RetryPolicy,
    deliver,
)
from tests.oncall.oncall_world import T0, World, ladder

KEY = "0123456789abcdef0123456789abcdef"

Responder = Callable[[dict[str, Any]], int]


class Receiver:
    """A tiny HTTP server recording JSON bodies; ``respond`` picks each status code."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.respond: Responder = lambda _body: 202
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                receiver.bodies.append(body)
                status = receiver.respond(body)
                reply = json.dumps({"status": "ok" if status < 300 else "error"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def script(self, *codes: int) -> None:
        queue = list(codes)
        self.respond = lambda _body: queue.pop(0) if queue else 202


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()
        r.thread.join(timeout=5)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def page(user: str = "ann", level: int = 1) -> Notification:
    return Notification(
        action=Action.TRIGGER,
        channel=Channel.PAGE,
        incident_id=7,
        title="LLM gateway 5xx",
        severity=Severity.SEV1,
        service="gateway",
        user=user,
        via="schedule:primary",
        level=level,
    )


def test_the_webhook_body_is_a_slack_incoming_webhook_with_structured_fields(
    receiver: Receiver, client: httpx.Client
) -> None:
    WebhookNotifier(receiver.url, client=client).send(page())
    [body] = receiver.bodies
    assert body["text"] == (
        "PAGE → ann via schedule:primary (level 1) [sev1] incident 7: LLM gateway 5xx"
    )
    assert body["onshift"]["dedup_key"] == "onshift-incident-7"
    assert body["onshift"]["severity"] == "sev1"


def test_pagerduty_gets_trigger_acknowledge_and_resolve_under_one_dedup_key(
    receiver: Receiver, client: httpx.Client
) -> None:
    pd = PagerDutyNotifier(KEY, client=client, url=receiver.url)
    pd.send(page())
    for action in (Action.ACKNOWLEDGE, Action.RESOLVE):
        pd.send(
            Notification(
                action=action,
                channel=Channel.PAGE,
                incident_id=7,
                title="t",
                severity=Severity.SEV1,
            )
        )
    trigger, ack, resolve = receiver.bodies
    assert [b["event_action"] for b in receiver.bodies] == ["trigger", "acknowledge", "resolve"]
    assert {b["dedup_key"] for b in receiver.bodies} == {"onshift-incident-7"}
    assert {b["routing_key"] for b in receiver.bodies} == {KEY}
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "gateway"
    assert len(trigger["payload"]["summary"]) <= 1024
    assert "payload" not in ack
    assert "payload" not in resolve


def test_pagerduty_never_gets_a_sev3_or_sev4_ticket(
    receiver: Receiver, client: httpx.Client
) -> None:
    # A PagerDuty trigger pages at high urgency by default, whatever its payload.severity.
    pd = PagerDutyNotifier(KEY, client=client, url=receiver.url)
    for severity in (Severity.SEV3, Severity.SEV4):
        world = World(ladder(5, 10), notifier=pd)
        world.open(severity)
        world.run_until(T0 + timedelta(hours=2), timedelta(minutes=1))
        [failed] = [e for e in world.timeline() if isinstance(e, DeliveryFailed)]
        assert (failed.channel, failed.attempts) == (Channel.TICKET, 1)
        assert "a ticket is never sent to it" in failed.error
    assert receiver.bodies == []


def test_with_a_pagerduty_key_the_cli_prints_tickets_and_sends_pagerduty_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from onshift.cli.app import main as cli

    def main(args: list[str]) -> None:
        with pytest.raises(SystemExit) as done:
            cli(args)
        assert done.value.code == 0, capsys.readouterr().err

    examples = Path(__file__).resolve().parents[2] / "examples" / "oncall"
    db = str(tmp_path / "inc.db")
    main(["incident", "open", "--title", "slow TTFT", "--severity", "sev4", "--db", db])
    capsys.readouterr()
    policy, schedules = str(examples / "policy.yaml"), str(examples / "schedules.yaml")
    main(["escalation", "tick", policy, schedules, "--pagerduty-key", KEY, "--db", db])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("TICKET → ")
    assert lines[-1] == "1 incidents checked: 0 pages, 1 tickets, 0 failed deliveries"


def test_a_pagerduty_routing_key_must_have_32_characters(client: httpx.Client) -> None:
    with pytest.raises(InputError, match="32 characters"):
        PagerDutyNotifier("short", client=client)


def test_server_errors_are_retried_with_backoff_through_the_clock(
    receiver: Receiver, client: httpx.Client
) -> None:
    receiver.script(503, 429, 202)
    clock = SimulatedClock(T0)
    outcome = deliver(
        PagerDutyNotifier(KEY, client=client, url=receiver.url), page(), clock, RetryPolicy()
    )
    assert (outcome.delivered, outcome.attempts) == (True, 3)
    assert clock.now() - T0 == timedelta(seconds=1 + 2)
    assert len(receiver.bodies) == 3


def test_a_rejected_event_is_not_retried(receiver: Receiver, client: httpx.Client) -> None:
    receiver.script(400)
    clock = SimulatedClock(T0)
    outcome = deliver(WebhookNotifier(receiver.url, client=client), page(), clock, RetryPolicy())
    assert (outcome.delivered, outcome.attempts) == (False, 1)
    assert "HTTP 400" in outcome.error
    assert clock.now() == T0


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(attempts=8, initial=timedelta(seconds=1), max_delay=timedelta(seconds=5))
    assert [policy.delay(i).total_seconds() for i in range(1, 6)] == [1, 2, 4, 5, 5]


def test_network_failures_are_retryable_delivery_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as c,
        pytest.raises(DeliveryError) as caught,
    ):
        WebhookNotifier("http://127.0.0.1:9/x", client=c).send(page())
    assert not isinstance(caught.value, DeliveryRejected)
    assert "ConnectError" in str(caught.value)


def test_undeliverable_pages_are_recorded_and_escalate_over_real_http(
    receiver: Receiver, client: httpx.Client
) -> None:
    receiver.respond = lambda body: 500 if body["onshift"]["user"] == "u1" else 200
    world = World(ladder(5, 10), notifier=WebhookNotifier(receiver.url, client=client))
    world.open()
    world.runner.tick()
    failed = [e for e in world.timeline() if isinstance(e, DeliveryFailed)]
    assert [(f.target, f.attempts) for f in failed] == [("u1", 2)]
    assert "HTTP 500" in failed[0].error
    assert [p.target for p in world.timeline() if isinstance(p, PageSent)] == ["u2"]
    assert [b["onshift"]["user"] for b in receiver.bodies] == ["u1", "u1", "u2"]


def test_the_console_notifier_prints_one_line_per_notification() -> None:
    out = io.StringIO()
    ConsoleNotifier(out).send(page())
    ConsoleNotifier(out).send(
        Notification(
            action=Action.RESOLVE,
            channel=Channel.PAGE,
            incident_id=7,
            title="t",
            severity=Severity.SEV2,
        )
    )
    assert out.getvalue().splitlines() == [
        "PAGE → ann via schedule:primary (level 1) [sev1] incident 7: LLM gateway 5xx",
        "RESOLVE [sev2] incident 7: t",
    ]


def test_acknowledge_and_resolve_are_passed_on_for_incidents_that_paged(
    receiver: Receiver, client: httpx.Client
) -> None:
    from onshift.incident.service import IncidentService

    pd = PagerDutyNotifier(KEY, client=client, url=receiver.url)
    world = World(ladder(5), notifier=pd)
    world.open()
    world.runner.tick()
    service = IncidentService(store=world.store, clock=world.clock, notifier=pd)
    service.acknowledge(1, by="u1")
    service.resolve(1, by="u1")
    quiet = service.open(title="never paged", severity=Severity.SEV2, actor="t")
    service.resolve(quiet.id, by="t")
    assert [b["event_action"] for b in receiver.bodies] == ["trigger", "acknowledge", "resolve"]


def test_the_cli_pages_through_a_webhook_and_passes_the_acknowledgement_on(
    receiver: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from onshift.cli.app import main as cli

    def main(args: list[str]) -> None:
        with pytest.raises(SystemExit) as done:
            cli(args)
        assert done.value.code == 0, capsys.readouterr().err

    examples = Path(__file__).resolve().parents[2] / "examples" / "oncall"
    db = str(tmp_path / "inc.db")
    main(["incident", "open", "--title", "gateway down", "--severity", "sev1", "--db", db])
    main(
        [
            "escalation",
            "tick",
            str(examples / "policy.yaml"),
            str(examples / "schedules.yaml"),
            "--webhook",
            receiver.url,
            "--db",
            db,
        ]
    )
    main(["incident", "ack", "1", "--by", "ann", "--webhook", receiver.url, "--db", db])
    main(["incident", "resolve", "1", "--webhook", receiver.url, "--db", db])
    capsys.readouterr()
    assert [b["onshift"]["action"] for b in receiver.bodies] == [
        "trigger",
        "acknowledge",
        "resolve",
    ]
    assert receiver.bodies[1]["text"] == "ACKNOWLEDGE [sev1] incident 1: gateway down"

"""``onshift escalation …``: lay out a policy's ladder; run one escalation tick."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from datetime import datetime

    from onshift.oncall.notify import Notification, Notifier
    from onshift.oncall.policy import EscalationPolicy
    from onshift.oncall.runner import TickReport
    from onshift.oncall.specs import OnCallConfig

__all__ = ["app", "make_notifier", "parse_at"]

app = typer.Typer(help="Escalation policies: plan the ladder, run due escalations.")


class SeverityChoice(StrEnum):
    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


def parse_at(text: str | None) -> datetime:
    """``--at`` as an aware UTC time; the system clock when not given."""
    from onshift.clock import SystemClock
    from onshift.errors import InputError
    from onshift.units import parse_timestamp

    if text is None:
        return SystemClock().now()
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise InputError.single(str(exc), path="--at") from None


def _pick_policy(config: OnCallConfig, name: str, file: str) -> EscalationPolicy:
    from onshift.errors import InputError

    if name:
        if name not in config.policies:
            known = ", ".join(sorted(config.policies)) or "none"
            msg = f"no EscalationPolicy named {name!r} (found: {known})"
            raise InputError.single(msg, file=file, path="--name")
        return config.policies[name]
    if len(config.policies) != 1:
        found = ", ".join(sorted(config.policies)) or "none"
        msg = f"expected one EscalationPolicy, found {found}; choose one with --name"
        raise InputError.single(msg, file=file)
    return next(iter(config.policies.values()))


def _check_schedules(config: OnCallConfig) -> None:
    from onshift.errors import InputError, Problem

    missing = config.missing_schedules()
    if missing:
        raise InputError(
            [
                Problem(path="--schedules", message=f"policy {p!r} names schedule {s!r}, not given")
                for p, s in missing
            ]
        )


@app.command("plan")
def plan_cmd(
    policy_file: Annotated[Path, typer.Argument(metavar="POLICY", help="EscalationPolicy YAML.")],
    severity: Annotated[SeverityChoice, typer.Option("--severity", help="sev1 … sev4")],
    at: str | None = typer.Option(None, "--at", help="Start time (ISO-8601 or Unix); now."),
    schedules: list[Path] = typer.Option(  # noqa: B008 - Typer's idiom
        [], "--schedules", help="Schedule YAML files, to show who each target resolves to."
    ),
    name: str = typer.Option("", "--name", help="Which policy, if the file has several."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),  # noqa: FBT003
) -> None:
    """Who gets paged when, if nobody acknowledges."""
    from onshift.cli.output import print_json
    from onshift.incident.events import Severity
    from onshift.oncall.plan import plan
    from onshift.oncall.specs import load_oncall

    config = load_oncall([policy_file, *schedules])
    policy = _pick_policy(config, name, str(policy_file))
    known = None
    if schedules or config.schedules:
        _check_schedules(config)
        known = config.schedules
    start = parse_at(at)
    entries = plan(policy, Severity(severity), at=start, schedules=known)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seconds = entry.after.total_seconds()
        row: dict[str, Any] = {
            "after_s": int(seconds) if seconds.is_integer() else seconds,
            "level": entry.level,
            "targets": list(entry.targets),
            "channel": str(entry.channel),
        }
        if entry.users is not None:
            row["users"] = list(entry.users)
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    from onshift.units import to_iso

    typer.echo(f"policy {policy.name}, {severity} from {to_iso(start)}:")
    for row in rows:
        users = f"  → {', '.join(row['users']) or 'nobody'}" if "users" in row else ""
        after = f"+{row['after_s']}s"
        typer.echo(
            f"  {after:>8}  L{row['level']}  {row['channel']:<6} {', '.join(row['targets'])}{users}"
        )


def make_notifier(webhook: str, pagerduty_key: str) -> Notifier:
    """The notifier the options ask for: webhook, PagerDuty, or the console."""
    from onshift.oncall.notify import ConsoleNotifier

    if webhook and pagerduty_key:
        from onshift.errors import InputError

        raise InputError.single("choose --webhook or --pagerduty-key, not both")
    if webhook or pagerduty_key:
        import httpx

        from onshift.oncall.http import PagerDutyNotifier, WebhookNotifier

        client = httpx.Client(timeout=10.0)
        if webhook:
            return WebhookNotifier(webhook, client=client)
        return _PagesOnly(PagerDutyNotifier(pagerduty_key, client=client), ConsoleNotifier())
    return ConsoleNotifier()


class _PagesOnly:
    """Pages (and their acknowledge/resolve) to ``pager``; tickets to ``tickets``."""

    def __init__(self, pager: Notifier, tickets: Notifier) -> None:
        self._pager = pager
        self._tickets = tickets

    def send(self, notification: Notification) -> None:
        from onshift.incident.events import Channel

        target = self._tickets if notification.channel is Channel.TICKET else self._pager
        target.send(notification)


def _runner_parts(
    config_files: list[Path], default_policy: str, webhook: str, pagerduty_key: str
) -> tuple[OnCallConfig, str, Notifier]:
    from onshift.oncall.specs import load_oncall

    config = load_oncall(config_files)
    _check_schedules(config)
    if not default_policy and len(config.policies) == 1:
        default_policy = next(iter(config.policies))
    return config, default_policy, make_notifier(webhook, pagerduty_key)


FILES = typer.Argument(..., metavar="FILES", help="EscalationPolicy and Schedule YAML files.")
DEFAULT_POLICY = typer.Option(
    "", "--default-policy", help="Policy for incidents opened without one."
)
WEBHOOK = typer.Option("", "--webhook", help="POST JSON (Slack-compatible) here.")
PAGERDUTY = typer.Option("", "--pagerduty-key", help="PagerDuty Events v2 routing key.")
DB = typer.Option("onshift.db", "--db", envvar="ONSHIFT_DB", help="Incident store.")
JSON = typer.Option(False, "--json", help="Print JSON.")  # noqa: FBT003


def _summary(report: TickReport) -> str:
    text = (
        f"{report.incidents} incidents checked: {report.pages} pages, "
        f"{report.tickets} tickets, {report.failures} failed deliveries"
    )
    return text + (f", {report.unrouted} without a policy" if report.unrouted else "")


@app.command("tick")
def tick_cmd(
    config_files: list[Path] = FILES,
    default_policy: str = DEFAULT_POLICY,
    webhook: str = WEBHOOK,
    pagerduty_key: str = PAGERDUTY,
    db: str = DB,
    as_json: bool = JSON,
) -> None:
    """Send every escalation that is due now (for cron); see also ``run``."""
    from dataclasses import asdict

    from onshift.cli.output import print_json
    from onshift.clock import SystemClock
    from onshift.incident.sqlstore import SqlIncidentStore
    from onshift.oncall.runner import EscalationRunner

    config, default_policy, notifier = _runner_parts(
        config_files, default_policy, webhook, pagerduty_key
    )
    store = SqlIncidentStore(db, create=False)  # a mistyped --db must not pass for "no pages"
    try:
        report = EscalationRunner(
            store=store,
            policies=config.policies,
            schedules=config.schedules,
            notifier=notifier,
            clock=SystemClock(),
            default_policy=default_policy,
        ).tick()
    finally:
        store.close()
    if as_json:
        print_json(asdict(report))
    else:
        typer.echo(_summary(report))


@app.command("run")
def run_cmd(
    config_files: list[Path] = FILES,
    default_policy: str = DEFAULT_POLICY,
    webhook: str = WEBHOOK,
    pagerduty_key: str = PAGERDUTY,
    db: str = DB,
    interval: str = typer.Option("15s", "--interval", help="Look for new incidents this often."),
    ticks: int = typer.Option(0, "--ticks", min=0, help="Stop after this many ticks (0: never)."),
) -> None:
    """Keep escalating: overdue pages at once on start, then each page when it is due."""
    from onshift.clock import SystemClock
    from onshift.errors import InputError
    from onshift.incident.sqlstore import SqlIncidentStore
    from onshift.oncall.runner import EscalationRunner
    from onshift.units import parse_duration

    try:
        every = parse_duration(interval)
    except ValueError as exc:
        raise InputError.single(str(exc), path="--interval") from None
    config, default_policy, notifier = _runner_parts(
        config_files, default_policy, webhook, pagerduty_key
    )
    store = SqlIncidentStore(db)
    runner = EscalationRunner(
        store=store,
        policies=config.policies,
        schedules=config.schedules,
        notifier=notifier,
        clock=SystemClock(),
        default_policy=default_policy,
    )
    try:
        for report in runner.run(interval=every, max_ticks=ticks or None):
            if report.incidents:
                typer.echo(_summary(report))
    finally:
        store.close()

"""Rich renderings of SLO reports, explanations and replays for people."""

from __future__ import annotations

from datetime import timedelta

from rich.table import Table

from onshift.alerting.replay import NotificationChange, Transition
from onshift.cli.output import console
from onshift.slo.check import SLOExplanation
from onshift.slo.model import SLO, Severity
from onshift.slo.report import SLOReport
from onshift.units import format_duration, to_iso

__all__ = ["render_explanations", "render_reports", "render_transitions"]


def _pct(value: float | None, digits: int = 3) -> str:
    return "no data" if value is None else f"{value * 100:.{digits}f}%"


def _count(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _burn(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}×"


def human_duration(delta: timedelta | None) -> str:
    if delta is None:
        return "never at this rate"
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs and not days else "",
    ]
    return "".join(parts) or "0s"


def render_reports(reports: list[SLOReport]) -> None:
    out = console()
    for r in reports:
        slo = r.slo
        period = format_duration(slo.period)
        out.print(
            f"[bold]{slo.service}/{slo.name}[/bold] — {slo.objective_percent:g}% over {period} "
            f"at {to_iso(r.at)}"
        )
        table = Table()
        table.add_column("window")
        table.add_column("burn rate", justify="right")
        for window, value in r.burn_rates.items():
            table.add_row(format_duration(window), _burn(value))
        out.print(table)
        if r.partial_windows:
            longer = ", ".join(format_duration(w) for w in r.partial_windows)
            out.print(
                f"  the data reaches back {format_duration(r.data_span)}: rates over {longer} "
                "cover only the data there is"
            )
        budget = r.budget
        out.print(f"  SLI {_pct(r.sli)}: {_count(r.bad)} bad of {_count(r.total)} events")
        out.print(
            f"  error budget: {_count(budget.allowed_bad)} bad events allowed, "
            f"{_pct(budget.consumed, 1)} consumed, {_pct(budget.remaining, 1)} left"
        )
        current = format_duration(r.current_window)
        if budget.remaining is not None and budget.remaining <= 0:
            out.print("  [bold red]the error budget is exhausted[/bold red]")
        elif r.burn_rates.get(r.current_window) is None:
            # No events, so no burn rate: "never at this rate" would claim a rate of zero.
            out.print(
                f"  time to exhaustion at the {current} burn rate: no traffic in the last {current}"
            )
        else:
            out.print(
                f"  time to exhaustion at the {current} burn rate: "
                f"{human_duration(r.time_to_exhaustion)}"
            )
        for a in r.alerts:
            state = "FIRING" if a.firing else "ok"
            if a.firing and not a.notified:
                state += " (suppressed by page)"
            out.print(
                f"  {a.window.severity:6} {format_duration(a.window.long):>3}/"
                f"{format_duration(a.window.short):<3} burn > {a.factor:g}: {state}"
            )
        out.print()


def render_explanations(explanations: list[SLOExplanation]) -> None:
    out = console()
    for e in explanations:
        slo = e.slo
        period = format_duration(slo.period)
        out.print(
            f"[bold]{slo.service}/{slo.name}[/bold] ({slo.source}): {slo.objective_percent:g}% "
            f"good over a rolling {period}; the error budget is {float(slo.budget):.4g} of "
            f"events, a full outage of {human_duration(e.full_outage_budget)}."
        )
        table = Table(title_justify="left")
        for col in (
            "tier",
            "long/short",
            "budget spent",
            "factor",
            "error ratio >",
            "full outage fires after",
        ):
            table.add_column(col)
        for t in e.tiers:
            table.add_row(
                str(t.window.severity) + ("" if t.enabled else " (disabled)"),
                f"{format_duration(t.window.long)}/{format_duration(t.window.short)}",
                f"{float(t.window.budget_percent):g}%",
                f"{t.factor:g}",
                f"{t.threshold:.4g}",
                human_duration(t.full_outage_detection) if t.can_fire else "never",
            )
        out.print(table)
        for w in e.warnings:
            out.print(f"  [yellow]warning:[/yellow] {w}")
        out.print()
    total = sum(len(e.warnings) for e in explanations)
    out.print(f"{len(explanations)} SLO(s) valid, {total} warning(s).")


def render_transitions(
    results: list[tuple[SLO, list[Transition], list[NotificationChange]]],
) -> None:
    out = console()
    for slo, transitions, changes in results:
        table = Table(
            title=f"{slo.service}/{slo.name}: {len(transitions)} transition(s)",
            title_justify="left",
        )
        # Sized to fit 80 columns whole (it cut "suppressed" and "long/short" to "suppres…" and
        # "long/sh…"): short headers, burn-rate headers on two lines, and no cell wraps.
        table.add_column("at", no_wrap=True)
        table.add_column("tier", no_wrap=True)
        table.add_column("windows", no_wrap=True)
        table.add_column("state", no_wrap=True)
        table.add_column("burn\nlong", justify="right", no_wrap=True)
        table.add_column("burn\nshort", justify="right", no_wrap=True)
        for t in transitions:
            state = "firing" if t.firing else "resolved"
            if t.suppressed:
                state = "suppressed"  # firing, but a firing page holds the ticket back
            table.add_row(
                to_iso(t.at),
                str(t.window.severity),
                f"{format_duration(t.window.long)}/{format_duration(t.window.short)}",
                state,
                _burn(t.burn_rate_long) + ("*" if t.partial else ""),
                _burn(t.burn_rate_short),
            )
        out.print(table)
        if any(t.partial for t in transitions):
            out.print(
                "  * the long window reaches back before the data begins: its burn rate covers "
                "only the data there is"
            )
        if changes:
            out.print("  notified:")
        for change in changes:
            what = {True: "page sent", False: "page stops"}
            if change.severity is Severity.TICKET:
                what = {True: "ticket opened", False: "ticket closed"}
            out.print(f"    {to_iso(change.at)}  {what[change.notify]}")

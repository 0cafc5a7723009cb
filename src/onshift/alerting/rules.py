"""Prometheus recording and alerting rules for an SLO's ``prometheus`` binding.

Names are Sloth's (``slo:sli_error:ratio_rate5m`` …, ``slo:error_budget:ratio``,
``slo:period_error_budget_remaining:ratio``) and so are the ``sloth_*`` labels, so Sloth's
Grafana dashboards work unchanged. Two differences on purpose:

- the period ratio is event-weighted: error and total rates are recorded separately at the
  shortest window and the period ratio is ``sum_over_time(errors) / sum_over_time(total)``,
  not Sloth's mean of 5m ratios, which under-counts errors when traffic is uneven;
- thresholds are rendered from exact fractions (``0.0144``, not ``14.4 * 0.0009999999999999432``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from onshift.alerting.evaluate import policy_windows
from onshift.slo.model import SLO, AlertWindow, Severity
from onshift.units import format_duration

__all__ = ["render_rules_yaml", "slo_rule_groups"]

_ID_LABELS = ("sloth_id", "sloth_service", "sloth_slo")


def _fmt(value: float) -> str:
    return repr(float(value))


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _promql_string(value: str) -> str:
    """``value`` as a PromQL string literal: Go's escaping, so that a service called
    ``b"}{x`` stays one label value instead of ending the selector."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _template_text(value: str) -> str:
    """``value`` as literal text in a Go template (labels and annotations of alerts are):
    ``{{`` would open an action, so it is written as the action that prints it."""
    return value.replace("{{", '{{ "{{" }}')


def _ids(slo: SLO) -> dict[str, str]:
    return {
        "sloth_id": slo.sloth_id,
        "sloth_service": slo.service,
        "sloth_slo": slo.name,
    }


def _selector(slo: SLO) -> str:
    ids = _ids(slo)
    return "{" + ", ".join(f"{k}={_promql_string(ids[k])}" for k in _ID_LABELS) + "}"


def _sli_group(slo: SLO) -> dict[str, Any]:
    assert slo.indicator.prometheus is not None
    binding = slo.indicator.prometheus
    labels = {**slo.labels, **_ids(slo)}
    rules: list[dict[str, Any]] = []
    windows = policy_windows(slo)
    for window in windows:
        errors, total = binding.render(window)
        rules.append(
            {
                "record": f"slo:sli_error:ratio_rate{format_duration(window)}",
                "expr": f"({errors})\n/\n({total})\n",
                "labels": {**labels, "sloth_window": format_duration(window)},
            }
        )
    base = windows[0] if windows else timedelta(minutes=5)
    errors, total = binding.render(base)
    base_labels = {**labels, "sloth_window": format_duration(base)}
    rules.append(
        {
            "record": "slo:sli_errors:rate" + format_duration(base),
            "expr": errors,
            "labels": base_labels,
        }
    )
    rules.append(
        {
            "record": "slo:sli_total:rate" + format_duration(base),
            "expr": total,
            "labels": base_labels,
        }
    )
    period = format_duration(slo.period)
    sel = _selector(slo)
    rules.append(
        {
            "record": f"slo:sli_error:ratio_rate{period}",
            "expr": (
                f"sum_over_time(slo:sli_errors:rate{format_duration(base)}{sel}[{period}])\n"
                f"/\nsum_over_time(slo:sli_total:rate{format_duration(base)}{sel}[{period}])\n"
            ),
            "labels": {**labels, "sloth_window": period},
        }
    )
    return {"name": f"onshift-slo-sli-recordings-{_ids(slo)['sloth_id']}", "rules": rules}


def _meta_group(slo: SLO) -> dict[str, Any]:
    labels = {**slo.labels, **_ids(slo)}
    sel = _selector(slo)
    on = "on(" + ", ".join(_ID_LABELS) + ") group_left"
    windows = policy_windows(slo)
    current = format_duration(windows[0]) if windows else "5m"
    period = format_duration(slo.period)
    days = slo.period / timedelta(days=1)
    rules: list[dict[str, Any]] = [
        {"record": "slo:objective:ratio", "expr": f"vector({_fmt(float(slo.objective))})"},
        {"record": "slo:error_budget:ratio", "expr": f"vector({_fmt(float(slo.budget))})"},
        {"record": "slo:time_period:days", "expr": f"vector({days:g})"},
        {
            "record": "slo:current_burn_rate:ratio",
            "expr": f"max without (sloth_window) (slo:sli_error:ratio_rate{current}{sel})\n"
            f"/ {on}\nslo:error_budget:ratio{sel}\n",
        },
        {
            "record": "slo:period_burn_rate:ratio",
            "expr": f"max without (sloth_window) (slo:sli_error:ratio_rate{period}{sel})\n"
            f"/ {on}\nslo:error_budget:ratio{sel}\n",
        },
        {
            "record": "slo:period_error_budget_remaining:ratio",
            "expr": f"1 - slo:period_burn_rate:ratio{sel}",
        },
        {"record": "onshift_slo_info", "expr": "vector(1)"},
    ]
    for rule in rules:
        rule["labels"] = dict(labels)
    rules[-1]["labels"] = {
        **labels,
        "onshift_objective": f"{slo.objective_percent:g}",
        "onshift_window": period,
    }
    return {"name": f"onshift-slo-meta-recordings-{_ids(slo)['sloth_id']}", "rules": rules}


def _pair(slo: SLO, window: AlertWindow) -> str:
    sel = _selector(slo)
    threshold = _fmt(slo.threshold(window))
    short, long = format_duration(window.short), format_duration(window.long)
    return (
        f"(\n  max(slo:sli_error:ratio_rate{short}{sel} > {threshold}) without (sloth_window)\n"
        f"  and\n  max(slo:sli_error:ratio_rate{long}{sel} > {threshold}) without (sloth_window)\n)"
    )


def _query(expr: str, fmt: str) -> str:
    return (
        f'{{{{ with printf "{expr}" $labels.sloth_id | query }}}}'
        f"{{{{ . | first | value | {fmt} }}}}{{{{ else }}}}unknown{{{{ end }}}}"
    )


def _annotations(slo: SLO, severity: Severity, windows: list[AlertWindow]) -> dict[str, str]:
    period = format_duration(slo.period)
    period_s = slo.period.total_seconds()
    name = _template_text(f"{slo.service}/{slo.name}")
    tiers = "; or ".join(
        f"{float(w.budget_percent):g}% of the budget in {format_duration(w.long)} "
        f"(burn rate above {float(w.factor(slo.period)):g} over both {format_duration(w.long)} "
        f"and {format_duration(w.short)})"
        for w in windows
    )
    # %q quotes the label value as Go does, which is how PromQL reads string literals.
    burn = _query("slo:current_burn_rate:ratio{sloth_id=%q}", 'printf "%.2f"')
    left = _query("slo:period_error_budget_remaining:ratio{sloth_id=%q}", "humanizePercentage")
    tte = _query(
        f"clamp_min(slo:period_error_budget_remaining:ratio{{sloth_id=%q}}, 0) * "
        f"{period_s:.0f} / on(sloth_id) slo:current_burn_rate:ratio{{sloth_id=%q}}",
        "humanizeDuration",
    ).replace("$labels.sloth_id |", "$labels.sloth_id $labels.sloth_id |")
    return {
        "title": f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} is "
        f"burning its {period} error budget too fast",
        "summary": f"{name} ({slo.objective_percent:g}% over {period}): "
        f"burn rate now {burn}, {left} of the {period} error budget left, gone in {tte} at "
        "this rate.",
        "description": f"Fires on {tiers}. Burn rate 1 spends exactly the whole budget in "
        f"{period}.",
        **slo.alerting.annotations,
        **slo.alerting.tier_annotations.get(severity, {}),
    }


def _alert_group(slo: SLO) -> dict[str, Any]:
    rules = []
    for severity in (Severity.PAGE, Severity.TICKET):
        windows = [w for w in slo.alerting.active_windows if w.severity is severity]
        if not windows:
            continue
        rules.append(
            {
                "alert": slo.alerting.name,
                "expr": "\nor\n".join(_pair(slo, w) for w in windows) + "\n",
                "labels": {
                    **slo.alerting.labels,
                    "severity": str(severity),
                    **slo.alerting.tier_labels.get(severity, {}),
                    "sloth_severity": str(severity),
                },
                "annotations": _annotations(slo, severity, windows),
            }
        )
    return {"name": f"onshift-slo-alerts-{_ids(slo)['sloth_id']}", "rules": rules}


def slo_rule_groups(slo: SLO) -> list[dict[str, Any]]:
    """The three rule groups of one SLO: SLI recordings, metadata, alerts (in that order)."""
    groups = [_sli_group(slo), _meta_group(slo)]
    alerts = _alert_group(slo)
    if alerts["rules"]:
        groups.append(alerts)
    return groups


def render_rules_yaml(slos: list[SLO], *, header: str = "") -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        # Rules share label dicts; PyYAML would write them once as &id001 and refer back with
        # *id001. Sloth never does, and readers (and some tools) stumble on it: write each out.
        def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - PyYAML's signature
            return True

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    groups = [g for slo in slos for g in slo_rule_groups(slo)]
    body = yaml.dump({"groups": groups}, Dumper=_Dumper, sort_keys=False, width=100_000)
    return header + body

"""Prometheus' verdict on the whole rules file onshift generates for some SLOs.

The queries are checked one by one where they are written (:func:`onshift.slo.promql.
check_promql`); what else goes into the rules — label and annotation values, which Prometheus
reads as Go templates — is checked here, on the file ``onshift rules`` would write, and each
refusal is reported against the SLO whose rule group it is in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from onshift.alerting.rules import render_rules_yaml, slo_rule_groups
from onshift.errors import Problem
from onshift.slo.model import SLO, SourceRef
from onshift.slo.promql import PromQLChecker

__all__ = ["check_generated_rules"]

# promtool's detail for a label or annotation: the rule's name (Go-quoted), then which one.
_TEMPLATE = re.compile(r'^"(?:[^"\\]|\\.)*": (label|annotation) "([^"\\]*)"')


def check_generated_rules(slos: Sequence[SLO], checker: PromQLChecker) -> list[Problem]:
    """One problem per distinct refusal per SLO (a page and a ticket rule sharing a bad
    annotation make one problem), at the line and field of a label or annotation the SLO
    file wrote."""
    bound = [slo for slo in slos if slo.indicator.prometheus is not None]
    if not bound:
        return []
    owner = {group["name"]: slo for slo in bound for group in slo_rule_groups(slo)}
    found: dict[tuple[SourceRef, str, str], None] = {}
    for group, detail in checker.rules_errors(render_rules_yaml(bound)):
        slo = owner.get(group)
        name = f"{slo.service}/{slo.name}" if slo else group
        name = name if name.isprintable() else repr(name)  # one line per problem
        found[(_where(slo, detail), name, detail)] = None
    return [
        Problem(
            file=ref.file or None,
            line=ref.line,
            path=ref.path,
            message=f"Prometheus would refuse the rules generated for {name}: {detail}"
            + (" (labels and annotations are Go templates)" if _TEMPLATE.match(detail) else ""),
        )
        for ref, name, detail in found
    ]


def _where(slo: SLO | None, detail: str) -> SourceRef:
    """Where the label or annotation the detail is about was written, if the file wrote it
    in one place; else the SLO's file."""
    if slo is None:
        return SourceRef(file="")
    template = _TEMPLATE.match(detail)
    refs = slo.alerting.where(template.group(1), template.group(2)) if template else []
    return refs[0] if len(refs) == 1 else SourceRef(file=slo.source)

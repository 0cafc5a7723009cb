"""A fake of the PromQL checker port (:class:`onshift.slo.promql.PromQLChecker`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["FakePromQLChecker"]


@dataclass
class FakePromQLChecker:
    """Refuses each expression that contains one of ``refuse``'s keys, with that key's reason,
    and records every batch it was asked to check."""

    refuse: Mapping[str, str] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)
    refuse_rules: Mapping[str, str] = field(default_factory=dict)
    """In a whole rules file: each rule holding one of these keys anywhere is refused."""

    def errors(self, expressions: Sequence[str]) -> dict[int, str]:
        self.asked.append(list(expressions))
        failures: dict[int, str] = {}
        for index, expression in enumerate(expressions):
            for needle, why in self.refuse.items():
                if needle in expression:
                    failures[index] = why
                    break
        return failures

    def rules_errors(self, text: str) -> list[tuple[str, str]]:
        import yaml

        failures = []
        for group in yaml.safe_load(text)["groups"]:
            for rule in group["rules"]:
                name = rule.get("alert") or rule.get("record")
                for needle, why in self.refuse_rules.items():
                    if needle in str(rule):
                        failures.append((group["name"], f'"{name}": {why}'))
        return failures

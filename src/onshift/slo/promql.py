"""Checking the PromQL an SLO file holds, with promtool: Prometheus' own parser, not ours.

``check_promql`` is the pure part: it renders each template as written (``{{window}}`` → 5m),
asks a :class:`PromQLChecker` which ones do not parse, and maps each failure back to the file,
line and field that hold the query. :class:`Promtool` is the checker a user has; tests use
:class:`onshift.testing.FakePromQLChecker` or the real binary.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from onshift.errors import Problem, SourceError
from onshift.slo.model import SLO, SourceRef
from onshift.units import format_duration

__all__ = ["PromQLChecker", "Promtool", "check_promql", "no_comment"]

_SAMPLE_WINDOW = timedelta(minutes=5)
# promtool quotes group and rule names as Go does (%q): a name may hold \" and \\.
_GO_QUOTED = r'"(?:[^"\\]|\\.)*"'
_FAILURE = re.compile(rf"group ({_GO_QUOTED}), rule \d+, ({_GO_QUOTED}): (.*)$")
_GO_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)")
_GO_CHARS = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_NO_PARSE = "could not parse expression: "
_SHOWN = 120  # characters of a query quoted in a message


def no_comment(query: str) -> str:
    """``query`` if it holds no PromQL comment (``#`` outside a string literal to the end of
    its line); a validator for the query fields of every SLO format."""
    quote = None
    escaped = False
    for at, char in enumerate(query):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote != "`":  # `raw` strings have no escapes
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'`":
            quote = char
        elif char == "#":
            comment = query[at:].splitlines()[0]
            shown = comment if len(comment) <= 40 else comment[:39] + "…"
            msg = (
                f"the query holds a PromQL comment ({shown!r}); onshift embeds each query in "
                "larger expressions (the error ratio, the period ratio), where a comment would "
                "hide the rest of its line: remove it"
            )
            raise ValueError(msg)
    return query


class PromQLChecker(Protocol):
    def errors(self, expressions: Sequence[str]) -> dict[int, str]:
        """Why each expression that does not parse fails, by its index in ``expressions``."""
        ...

    def rules_errors(self, text: str) -> list[tuple[str, str]]:
        """``(group, what is wrong)`` for each rule Prometheus would refuse in a rules file."""
        ...


def check_promql(slos: Sequence[SLO], checker: PromQLChecker) -> list[Problem]:
    """One problem per PromQL template (as written, once however many SLOs share it) that
    Prometheus would refuse."""
    written: dict[tuple[str, SourceRef], None] = {}
    for slo in slos:
        binding = slo.indicator.prometheus
        if binding is not None:
            written.update(dict.fromkeys(binding.written))
    queries = list(written)
    window = format_duration(_SAMPLE_WINDOW)
    rendered = [template.replace("{{window}}", window) for template, _ in queries]
    failures = checker.errors(rendered) if rendered else {}
    problems = []
    for index, why in sorted(failures.items()):
        (_, ref), expression = queries[index], rendered[index]
        shown = expression if len(expression) <= _SHOWN else expression[: _SHOWN - 1] + "…"
        message = f"not valid PromQL: {why} (in {shown!r}, with {{{{window}}}} = {window})"
        problems.append(Problem(file=ref.file, line=ref.line, path=ref.path, message=message))
    return problems


@dataclass(frozen=True, slots=True)
class Promtool:
    """``promtool check rules`` on a throwaway rules file: one group per expression, so that
    each failure names its expression; or on a whole generated rules file."""

    binary: str
    timeout_s: float = 60.0

    def errors(self, expressions: Sequence[str]) -> dict[int, str]:
        import yaml

        groups = [
            {"name": f"q{i}", "rules": [{"record": f"onshift:promql_check:{i}", "expr": e}]}
            for i, e in enumerate(expressions)
        ]
        failures: dict[int, str] = {}
        for group, _, detail in self._failures(yaml.safe_dump({"groups": groups})):
            if group.startswith("q") and group[1:].isdigit():
                failures.setdefault(int(group[1:]), detail.removeprefix(_NO_PARSE))
        return failures

    def rules_errors(self, text: str) -> list[tuple[str, str]]:
        """``(group, what is wrong)`` for each rule promtool refuses in a rules file."""
        return [(group, f"{rule}: {detail}") for group, rule, detail in self._failures(text)]

    def _failures(self, text: str) -> list[tuple[str, str, str]]:
        with tempfile.TemporaryDirectory(prefix="onshift-promql-") as tmp:
            rules = Path(tmp) / "rules.yaml"
            rules.write_text(text, encoding="utf-8")
            try:
                done = subprocess.run(  # noqa: S603 - the user's promtool, our own arguments
                    [self.binary, "check", "rules", str(rules)],
                    capture_output=True,
                    text=True,
                    timeout=self.timeout_s,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SourceError(f"cannot run promtool ({self.binary}): {exc}") from exc
        if done.returncode == 0:
            return []
        output = (done.stdout + "\n" + done.stderr).splitlines()
        failures = [
            (_go_unquote(m.group(1)), m.group(2), m.group(3).strip())
            for line in output
            if (m := _FAILURE.search(line))
        ]
        if not failures:
            raise SourceError(_unexpected(self.binary, done.returncode, output, str(rules)))
        return failures


def _go_unquote(quoted: str) -> str:
    """The string a Go-quoted literal (``"a\\"b"``) stands for."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "xuU":
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _GO_CHARS.get(code, code)

    return _GO_ESCAPE.sub(one, quoted[1:-1])


def _unexpected(binary: str, code: int, output: list[str], rules: str) -> str:
    """promtool failed in a way it does not report per rule: its first error line, whole,
    without the throwaway file's name."""
    lines = [
        line.strip().removeprefix(rules + ": ").removeprefix(rules)
        for line in output
        if line.strip() and not line.strip().startswith(("Checking ", "FAILED", "SUCCESS"))
    ]
    if not lines:
        return f"promtool ({binary}) failed with exit code {code} and said nothing"
    more = f" (and {len(lines) - 1} more lines)" if len(lines) > 1 else ""
    shown = lines[0] if len(lines[0]) <= 300 else lines[0][:299] + "…"
    return f"promtool ({binary}) failed with exit code {code}: {shown}{more}"

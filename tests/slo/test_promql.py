"""``slo check`` parses every PromQL query with promtool and points at the line that holds it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from onshift.errors import SourceError
from onshift.slo.promql import Promtool, check_promql
from onshift.slo.spec import load_slos
from onshift.testing import FakePromQLChecker
from tests.conftest import EXAMPLES, CliResult, require_binary
from tests.slo.helpers import BROKEN_PROMQL_SLO, PROMETHEUS_SLO

Run = Callable[..., CliResult]

NATIVE = BROKEN_PROMQL_SLO

SLOTH = """\
version: prometheus/v1
service: agent
slos:
  - name: requests
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(agent_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(agent_requests_total[{{.window}}]) BROKEN
    alerting:
      name: AgentRequests
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: requests}
spec:
  service: agent
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: fast, target: 0.99}, {displayName: slow, target: 0.9}]
  indicator:
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: {query: 'agent_requests_total{code!~"5..}'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: agent_requests_total}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_refused_query_is_reported_at_its_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, NATIVE)
    checker = FakePromQLChecker(refuse={'"5.."[': "bad braces", "by (x) rate": "bad aggregation"})
    problems = check_promql(load_slos([path]), checker)
    assert [(p.file, p.line, p.path) for p in problems] == [
        (str(path), 8, "spec.indicator.prometheus.errors"),
        (str(path), 9, "spec.indicator.prometheus.total"),
    ]
    assert problems[0].message.startswith("not valid PromQL: bad braces (in 'sum(rate(")
    assert "[5m]" in problems[0].message  # the query as promtool saw it, window filled in
    assert checker.asked == [
        [
            'sum(rate(agent_requests_total{code=~"5.."[5m]))',
            "sum by (x) rate(agent_requests_total[5m])",
        ]
    ]


def test_sloth_and_openslo_queries_are_located_in_their_own_formats(tmp_path: Path) -> None:
    checker = FakePromQLChecker(refuse={"BROKEN": "unexpected identifier", "5..}": "bad string"})
    sloth = check_promql(load_slos([_write(tmp_path, SLOTH)]), checker)
    assert [(p.line, p.path) for p in sloth] == [(9, "slos[0].sli.events.total_query")]
    openslo = check_promql(load_slos([_write(tmp_path, OPENSLO)]), checker)
    # Two objectives share one query: it is reported once, at the good query as written.
    assert [(p.line, p.path) for p in openslo] == [
        (16, "spec.indicator.spec.ratioMetric.good.metricSource.spec.query")
    ]


def test_slos_without_prometheus_queries_ask_nothing(tmp_path: Path) -> None:
    events_only = NATIVE.replace(
        """    prometheus:
      errors: sum(rate(agent_requests_total{code=~"5.."[{{window}}]))
      total: sum by (x) rate(agent_requests_total[{{window}}])
""",
        """    events:
      bad_if: [{field: status, op: ">=", value: 500}]
""",
    )
    checker = FakePromQLChecker()
    assert check_promql(load_slos([_write(tmp_path, events_only)]), checker) == []
    assert checker.asked == []


@pytest.mark.promtool
def test_promtool_refuses_exactly_the_broken_queries() -> None:
    promtool = Promtool(require_binary("promtool"))
    good = 'sum(rate(agent_requests_total{code=~"5.."}[5m]))'
    errors = promtool.errors([good, "sum(rate(x[5m])", good, "rate(x[5m]) +"])
    assert sorted(errors) == [1, 3]
    assert "parse error" in errors[1]


@pytest.mark.promtool
def test_check_with_promtool_exits_2_with_one_message_per_broken_query(
    run_cli: Run, tmp_path: Path
) -> None:
    require_binary("promtool")
    path = _write(tmp_path, NATIVE)
    result = run_cli("slo", "check", path, "--json")
    assert result.code == 2
    body = json.loads(result.out)
    assert body["valid"] is False
    assert [(p["file"], p["line"], p["path"]) for p in body["problems"]] == [
        (str(path), 8, "spec.indicator.prometheus.errors"),
        (str(path), 9, "spec.indicator.prometheus.total"),
    ]
    lines = result.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"error: {path}:8: spec.indicator.prometheus.errors: not valid")
    assert "unexpected character inside braces" in lines[0]
    assert lines[1].startswith(f"error: {path}:9: spec.indicator.prometheus.total: not valid")
    assert "Traceback" not in result.err


@pytest.mark.promtool
def test_the_shipped_examples_pass_the_promql_check(run_cli: Run) -> None:
    require_binary("promtool")
    result = run_cli("slo", "check", *sorted(EXAMPLES.glob("*.yaml")), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["promql_checked"] is True


def test_without_promtool_the_check_says_promql_was_not_checked(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no promtool there
    path = _write(tmp_path, NATIVE)
    result = run_cli("slo", "check", path, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["promql_checked"] is False
    human = run_cli("slo", "check", path)
    assert "PromQL not checked: promtool is not on PATH" in " ".join(human.out.split())


def test_a_promtool_that_is_not_there_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    path = _write(tmp_path, NATIVE)
    result = run_cli("slo", "check", path, "--promtool", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.err.startswith("error: --promtool: no executable ")


def test_a_promtool_that_fails_without_naming_a_query_is_a_source_error(tmp_path: Path) -> None:
    fake = tmp_path / "promtool"
    fake.write_text("#!/bin/sh\necho 'something else went wrong' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(SourceError, match="exit code 3: something else went wrong"):
        Promtool(str(fake)).errors(["up"])


BAD_TEMPLATES = (
    PROMETHEUS_SLO
    + """\
  alerting:
    annotations:
      runbook: "{{ .Broken"
"""
)


def test_templates_refused_in_the_generated_rules_are_reported_once_per_slo(
    tmp_path: Path,
) -> None:
    from onshift.alerting.rules_check import check_generated_rules

    path = _write(tmp_path, BAD_TEMPLATES)
    checker = FakePromQLChecker(refuse_rules={"{{ .Broken": 'annotation "runbook": unclosed'})
    problems = check_generated_rules(load_slos([path]), checker)
    # The page and the ticket alert both carry the annotation: one problem, where it is.
    assert [(p.file, p.line, p.path) for p in problems] == [
        (str(path), 12, "spec.alerting.annotations.runbook")
    ]
    assert problems[0].message.startswith(
        "Prometheus would refuse the rules generated for agent/avail: "
        '"AvailBudgetBurn": annotation "runbook": unclosed'
    )


@pytest.mark.promtool
def test_check_and_rules_refuse_a_template_promtool_refuses(run_cli: Run, tmp_path: Path) -> None:
    require_binary("promtool")
    path = _write(tmp_path, BAD_TEMPLATES)
    out = tmp_path / "rules.yaml"
    for args in (("slo", "check", path), ("rules", path, "-o", out)):
        result = run_cli(*args)
        assert result.code == 2, args
        (line,) = result.err.splitlines()
        assert line.startswith(
            f"error: {path}:12: spec.alerting.annotations.runbook: Prometheus would refuse the "
            "rules generated"
        )
        assert 'annotation "runbook"' in line
        assert "unclosed action" in line
    assert not out.exists()


@pytest.mark.promtool
def test_a_refusal_in_a_group_whose_name_holds_a_quote_is_reported_against_its_slo(
    run_cli: Run, tmp_path: Path
) -> None:
    require_binary("promtool")
    path = _write(tmp_path, BAD_TEMPLATES.replace("service: agent", 'service: "ag\\"ent"'))
    result = run_cli("slo", "check", path)
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith(
        f"error: {path}:12: spec.alerting.annotations.runbook: "
        'Prometheus would refuse the rules generated for ag"ent/avail: '
        '"AvailBudgetBurn": annotation "runbook": '
    )


def test_an_unexpected_promtool_failure_quotes_its_whole_first_error_line(
    tmp_path: Path,
) -> None:
    fake = tmp_path / "promtool"
    fake.write_text(
        "#!/bin/sh\n"
        'echo "Checking $3"\n'
        'echo "  FAILED:"\n'
        'echo "$3: 9:3: groupname: \\"g \\" x\\" is repeated in the same file" >&2\n'
        'echo "$3: 12:3: another line" >&2\n'
        "exit 1\n"
    )
    fake.chmod(0o755)
    with pytest.raises(SourceError) as caught:
        Promtool(str(fake)).rules_errors("groups: []\n")
    assert str(caught.value) == (
        f"promtool ({fake}) failed with exit code 1: "
        '9:3: groupname: "g " x" is repeated in the same file (and 1 more lines)'
    )


COMMENTED = PROMETHEUS_SLO.replace(
    "      total: sum(rate(agent_requests_total[{{window}}]))\n",
    '      total: "sum(rate(agent_requests_total[{{window}}])) # all of them"\n',
)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (COMMENTED, "9: spec.indicator.prometheus.total"),
        (
            SLOTH.replace(
                "[{{.window}}]) BROKEN", "[{{.window}}]))\n          # the total"
            ).replace("total_query: ", "total_query: |\n          "),
            "9: slos[0].sli.events.total_query",
        ),
        (
            OPENSLO.replace(
                "spec: {query: agent_requests_total}",
                "spec: {query: 'agent_requests_total # all'}",
            ),
            "20: spec.indicator.spec.ratioMetric.total.metricSource.spec.query",
        ),
    ],
    ids=["onshift", "sloth", "openslo"],
)
def test_a_query_with_a_promql_comment_is_refused_where_it_is_written(
    run_cli: Run, tmp_path: Path, text: str, where: str
) -> None:
    path = _write(tmp_path, text)
    for args in (("slo", "check", path, "--promtool", ""), ("rules", path)):
        result = run_cli(*args)
        assert result.code == 2, args
        lines = [line for line in result.err.splitlines() if "comment" in line]
        assert len(lines) == 1, result.err
        assert lines[0].startswith(f"error: {path}:{where}: the query holds a PromQL comment")
        assert "onshift embeds each query in larger expressions" in lines[0]


def test_a_hash_inside_a_promql_string_is_not_a_comment(tmp_path: Path) -> None:
    from onshift.slo.promql import no_comment

    query = """sum(rate(e{a="#", b='\\'#', c=`\\`}[{{window}}])) # here"""
    with pytest.raises(ValueError, match="'# here'"):
        no_comment(query)
    assert no_comment(query.removesuffix(" # here")) == query.removesuffix(" # here")


def test_only_label_and_annotation_refusals_carry_the_go_template_hint(tmp_path: Path) -> None:
    from onshift.alerting.rules_check import check_generated_rules

    path = _write(tmp_path, BAD_TEMPLATES)
    checker = FakePromQLChecker(
        refuse_rules={
            "{{ .Broken": 'annotation "runbook": template: unclosed action',
            "sloth_window": "could not parse expression: 4:1: unclosed left parenthesis",
        }
    )
    messages = [p.message for p in check_generated_rules(load_slos([path]), checker)]
    hinted = [m for m in messages if m.endswith("(labels and annotations are Go templates)")]
    assert [m for m in hinted if 'annotation "runbook"' in m] == hinted
    assert len(hinted) == 1
    assert any("could not parse expression" in m for m in messages)


SLOTH_TEMPLATES = """\
version: prometheus/v1
service: agent
slos:
  - name: requests
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(agent_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(agent_requests_total[{{.window}}]))
    alerting:
      name: AgentRequests
      labels: {team: "{{ .Team"}
      annotations: {summary: "{{ .Shared"}
      page_alert:
        annotations: {summary: "{{ .Both"}
      ticket_alert:
        labels: {channel: "{{ .Channel"}
        annotations: {summary: "{{ .Both"}
"""


TEAM = 'label "team": template: unclosed action'
CHANNEL = 'label "channel": template: unclosed action'
SUMMARY = 'annotation "summary": template: unclosed action'


def test_a_refused_label_or_annotation_is_reported_where_the_file_wrote_it(
    tmp_path: Path,
) -> None:
    from onshift.alerting.rules_check import check_generated_rules

    path = _write(tmp_path, SLOTH_TEMPLATES)
    checker = FakePromQLChecker(
        refuse_rules={"{{ .Team": TEAM, "{{ .Channel": CHANNEL, "{{ .Both": SUMMARY}
    )
    problems = check_generated_rules(load_slos([path]), checker)
    hint = " (labels and annotations are Go templates)"
    found = [(p.line, p.path, p.message.split("agent/requests: ", 1)[1]) for p in problems]
    assert sorted(found, key=lambda item: item[0] or 99) == [
        (12, "slos[0].alerting.labels.team", f'"AgentRequests": {TEAM}{hint}'),
        (17, "slos[0].alerting.ticket_alert.labels.channel", f'"AgentRequests": {CHANNEL}{hint}'),
        # Each tier has its own summary: which one promtool refused is not known.
        (None, "", f'"AgentRequests": {SUMMARY}{hint}'),
    ]
    assert all(p.file == str(path) for p in problems)


def test_an_slo_name_with_a_newline_is_quoted_in_a_refusal(tmp_path: Path) -> None:
    from onshift.alerting.rules_check import check_generated_rules

    path = _write(tmp_path, BAD_TEMPLATES.replace("service: agent", 'service: "ag\\nent"'))
    checker = FakePromQLChecker(refuse_rules={"{{ .Broken": SUMMARY})
    (problem,) = check_generated_rules(load_slos([path]), checker)
    assert problem.message.startswith(
        "Prometheus would refuse the rules generated for 'ag\\nent/avail': "
    )

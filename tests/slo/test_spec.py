"""Reading SLO files: three formats, and one clear message per problem."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from onshift.errors import SpecError
from onshift.slo.spec import load_slos
from onshift.specfile import load_documents
from tests.conftest import EXAMPLES, ROOT, CliResult, promtool_check_rules, require_binary


def write(tmp_path: Path, text: str, name: str = "slo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_slos([path])
    return [p.render() for p in info.value.problems]


def test_the_shipped_examples_load() -> None:
    slos = load_slos(sorted(EXAMPLES.glob("*.yaml")))
    names = {s.name for s in slos}
    assert {"agent-availability", "agent-ttft"} <= names
    ttft = next(s for s in slos if s.name == "agent-ttft")
    assert ttft.period == timedelta(days=7)
    assert ttft.alerting.catalogue == "google-7d"
    assert ttft.indicator.events is not None
    assert ttft.indicator.events.weight == "output_tokens"


def test_objective_is_kept_as_an_exact_fraction() -> None:
    (slo,) = load_slos([EXAMPLES / "agent-availability.yaml"])
    assert slo.objective == Fraction(999, 1000)
    assert slo.budget == Fraction(1, 1000)


def test_a_bad_file_gets_one_message_per_problem_with_line_and_field_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata:
  name: api
  service: agent
spec:
  objective: 150
  window: 30days
  indicator:
    prometheus:
      errors: sum(rate(x[5m]))
      total: sum(rate(y[{{window}}]))
  alerting:
    windwos: google-30d
""",
    )
    found = problems(path)
    assert f"{path}:7: spec.objective: Input should be less than 100 (got 150)" in found
    assert any(
        m.startswith(f"{path}:14: spec.alerting.windwos: unknown field; did you mean 'windows'?")
        for m in found
    )
    # The duration and the query template are reported in the same pass as the shape errors
    # (they used to appear only once the objective and the misspelt key had been fixed).
    assert (
        f"{path}:8: spec.window: expected a duration such as 5m, 1h, 30d or 1h30m, got '30days'"
        in found
    )
    assert any(
        m.startswith(f"{path}:11: spec.indicator.prometheus.errors: the query must contain")
        for m in found
    )
    assert len(found) == 4


def test_semantic_problems_are_all_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99.5
  window: 30days
  indicator:
    prometheus:
      errors: sum(rate(x[5m]))
      total: sum(rate(y[{{window}}]))
  alerting:
    windows:
      - {severity: page, budget_percent: 2, long: 5m, short: 1h}
""",
    )
    found = problems(path)
    assert (
        f"{path}:6: spec.window: expected a duration such as 5m, 1h, 30d or 1h30m, got '30days'"
        in found
    )
    assert any(
        m.startswith(
            f"{path}:9: spec.indicator.prometheus.errors: the query must contain {{{{window}}}}"
        )
        for m in found
    )
    assert (
        f"{path}:13: spec.alerting.windows[0]: "
        "the short window must be shorter than the long window" in found
    )


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line(tmp_path: Path) -> None:
    broken = write(tmp_path, "apiVersion: onshift/v1\nkind: [SLO\n", "broken.yaml")
    (msg,) = problems(broken)
    assert msg.startswith(f"{broken}:3: not valid YAML")
    dup = write(
        tmp_path,
        "apiVersion: onshift/v1\nkind: SLO\nkind: SLO\nmetadata: {name: a, service: b}\n",
        "dup.yaml",
    )
    assert f"{dup}:3: kind: this key appears twice in the same mapping; keep one" in problems(dup)


def test_an_unknown_catalogue_lists_the_shipped_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
  alerting: {windows: google-31d}
""",
    )
    (msg,) = problems(path)
    assert "unknown window catalogue 'google-31d'" in msg
    assert "google-28d, google-30d, google-7d" in msg


def test_a_numeric_op_needs_a_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99
  indicator:
    events:
      bad_if:
        - {field: ttft_ms, op: ">", value: slow}
""",
    )
    (msg,) = problems(path)
    assert msg == (
        f"{path}:9: spec.indicator.events.bad_if[0].value: op '>' compares numbers; "
        "the value must be a number"
    )


def test_a_sloth_file_is_read_with_its_windows_and_disabled_ticket(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """version: "prometheus/v1"
service: "myservice"
labels: {owner: myteam}
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels: {category: availability}
      ticket_alert: {disable: true}
""",
    )
    (slo,) = load_slos([path])
    assert slo.service == "myservice"
    assert slo.labels == {"owner": "myteam"}
    assert slo.indicator.prometheus is not None
    assert "[{{window}}]" in slo.indicator.prometheus.errors
    assert slo.alerting.name == "MyServiceHighErrorRate"
    assert not slo.alerting.ticket_enabled
    assert slo.period == timedelta(days=30)


def test_a_sloth_raw_sli_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """version: prometheus/v1
service: s
slos:
  - name: a
    objective: 99
    sli: {raw: {error_ratio_query: "x"}}
    alerting: {name: A}
""",
    )
    (msg,) = problems(path)
    assert msg.startswith(f"{path}:6: slos[0].sli: the 'raw' SLI gives no event counts")


def test_an_openslo_v1_slo_becomes_one_slo_per_objective(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: openslo/v1
kind: Service
metadata: {name: my-service}
spec: {description: the service}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
  displayName: Web availability
spec:
  service: my-service
  indicator:
    metadata: {name: good-over-total}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code!~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: strict
      target: 0.999
    - displayName: relaxed
      targetPercent: 99
""",
    )
    slos = load_slos([path])
    assert [s.name for s in slos] == ["web-availability-strict", "web-availability-relaxed"]
    assert [s.objective for s in slos] == [Fraction(999, 1000), Fraction(99, 100)]
    assert slos[0].period == timedelta(days=28)
    assert slos[0].alerting.catalogue == "google-28d"
    prom = slos[0].indicator.prometheus
    assert prom is not None
    assert prom.total == "sum(rate(http_requests_total[{{window}}]))"
    assert prom.errors.startswith("(sum(rate(http_requests_total[{{window}}]))) - (")


def test_openslo_timeslices_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: openslo/v1
kind: SLO
metadata: {name: a}
spec:
  service: s
  indicator:
    spec:
      ratioMetric:
        good: {metricSource: {spec: {query: g}}}
        total: {metricSource: {spec: {query: t}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{target: 0.99}]
""",
    )
    (msg,) = problems(path)
    assert (
        msg == f"{path}:12: spec.budgetingMethod: only Occurrences is supported, got 'Timeslices'"
    )


def test_the_same_slo_twice_is_an_error(tmp_path: Path) -> None:
    text = (EXAMPLES / "agent-availability.yaml").read_text(encoding="utf-8")
    path = write(tmp_path, text + "\n---\n" + text)
    (msg,) = problems(path)
    assert "SLO support-agent/agent-availability is defined twice" in msg


def test_a_document_of_another_kind_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: onshift/v1\nkind: Runbook\n")
    (msg,) = problems(path)
    assert msg.startswith(
        f"{path}:1: apiVersion: not an SLO document (apiVersion 'onshift/v1', kind 'Runbook')"
    )


def test_a_value_of_the_wrong_shape_for_a_union_field_is_one_message_on_its_own_path(
    tmp_path: Path,
) -> None:
    # pydantic reports every union member (``windows.str``, ``windows.list[_Window][0]``,
    # ``value.int`` …); the user wrote no such keys and made one mistake each.
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99.9
  indicator:
    events:
      bad_if:
        - {field: status, op: "==", value: {code: 500}}
  alerting:
    windows:
      - {severity: page, budget_percent: 2, long: 1h, short: 5m, extra: 1}
    page: [true]
""",
    )
    assert problems(path) == [
        (
            f"{path}:9: spec.indicator.events.bad_if[0].value: Input should be a valid string "
            "or a valid integer or a valid number or a valid boolean or a valid list"
        ),
        (
            f"{path}:12: spec.alerting.windows[0].extra: unknown field "
            "(expected one of: budget_percent, long, severity, short)"
        ),
        f"{path}:13: spec.alerting.page: Input should be a valid dictionary",
    ]


def test_a_sloth_file_without_alerts_needs_no_alert_name(tmp_path: Path) -> None:
    # Sloth's own examples/no-alerts.yml: the name is required only while an alert is enabled.
    path = write(
        tmp_path,
        """version: "prometheus/v1"
service: "myapp"
slos:
  - name: "http-availability"
    objective: 99.99
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      page_alert: {disable: true}
      ticket_alert: {disable: true}
  - name: "paged"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      ticket_alert: {disable: true}
""",
    )
    (message,) = problems(path)
    assert message == (
        f"{path}:20: slos[1].alerting: alerting.name is required while the page or ticket alert "
        "is enabled"
    )
    path.write_text(path.read_text().split('  - name: "paged"')[0])
    (slo,) = load_slos([path])
    assert slo.alerting.active_windows == ()


def test_label_and_annotation_names_prometheus_refuses_are_spec_errors(tmp_path: Path) -> None:
    # `slo check` passed these and `onshift rules` wrote a file promtool refused outright.
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata:
  name: api
  service: agent
  labels: {team-name: x, ok_label: y}
spec:
  objective: 99.9
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
  alerting:
    labels: {"1st": a}
    annotations: {x-y: z}
""",
    )
    rule = (
        "is not a name Prometheus accepts for a label or annotation (letters, digits and _, "
        "not starting with a digit or __)"
    )
    assert problems(path) == [
        f"{path}:6: metadata.labels.team-name: 'team-name' {rule}",
        f"{path}:11: spec.alerting.labels.1st: '1st' {rule}",
        f"{path}:12: spec.alerting.annotations.x-y: 'x-y' {rule}",
    ]
    sloth = write(
        tmp_path,
        """version: prometheus/v1
service: agent
labels: {__name__: x}
slos:
  - name: api
    objective: 99.9
    sli: {events: {error_query: "e[{{.window}}]", total_query: "t[{{.window}}]"}}
    alerting:
      name: ApiBurn
      page_alert: {labels: {routing-key: a}}
""",
        "sloth.yaml",
    )
    assert problems(sloth) == [
        f"{sloth}:3: labels.__name__: '__name__' {rule}",
        f"{sloth}:10: slos[0].alerting.page_alert.labels.routing-key: 'routing-key' {rule}",
    ]


def test_openslo_kubernetes_style_label_keys_become_prometheus_label_names(
    tmp_path: Path,
) -> None:
    # app.kubernetes.io/name is a valid OpenSLO key but made promtool refuse the generated rules.
    text = (ROOT / "tests" / "data" / "openslo-agent.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  displayName: Agent success rate\n",
        "  displayName: Agent success rate\n"
        "  labels: {app.kubernetes.io/name: agent, tier: [gold, eu]}\n",
    )
    (slo,) = load_slos([write(tmp_path, text)])
    assert slo.labels == {"app_kubernetes_io_name": "agent", "tier": "gold,eu"}


def test_sloth_window_placeholders_with_go_template_spacing_are_substituted(
    tmp_path: Path,
) -> None:
    # {{ .window }} was left in the PromQL as is: promtool refused the generated rules.
    path = write(
        tmp_path,
        """version: prometheus/v1
service: agent
slos:
  - name: spaced
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{ .window }}]))
        total_query: sum(rate(http_requests_total[{{- .window -}}]))
    alerting: {name: SpacedBurn}
  - name: fixed
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[5m]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting: {name: FixedBurn}
""",
    )
    (message,) = problems(path)
    assert message == (
        f"{path}:15: slos[1].sli.events.error_query: the query must contain {{{{.window}}}}, "
        "e.g. sum(rate(http_requests_total[{{.window}}]))"
    )
    path.write_text(path.read_text().split("  - name: fixed")[0])
    (slo,) = load_slos([path])
    assert slo.indicator.prometheus is not None
    assert slo.indicator.prometheus.render(timedelta(hours=1)) == (
        'sum(rate(http_requests_total{code=~"5.."}[1h]))',
        "sum(rate(http_requests_total[1h]))",
    )


@pytest.mark.parametrize("op", ["==", "!=", ">="])
def test_a_list_value_needs_op_in(tmp_path: Path, op: str) -> None:
    # {op: "==", value: [500, 503]} compared with 500 only: a log with a 503 reported bad: 0.
    path = write(
        tmp_path,
        f"""apiVersion: onshift/v1
kind: SLO
metadata: {{name: api, service: agent}}
spec:
  objective: 99
  indicator:
    events:
      bad_if:
        - {{field: status, op: ">=", value: 500}}
        - {{field: status, op: "{op}", value: [500, 503]}}
""",
    )
    assert problems(path) == [
        (
            f"{path}:10: spec.indicator.events.bad_if[1].value: op {op!r} compares with one "
            "value, not a list; to match any of the values use op: in"
        )
    ]


def test_op_in_needs_a_non_empty_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99
  indicator:
    events:
      bad_if:
        - {field: status, op: in, value: 503}
        - {field: provider, op: in, value: []}
        - {field: status, op: in, value: [500, 503]}
""",
    )
    assert problems(path) == [
        f"{path}:9: spec.indicator.events.bad_if[0].value: op 'in' takes a list of values",
        (
            f"{path}:10: spec.indicator.events.bad_if[1].value: op 'in' needs at least one "
            "value (an empty list matches nothing)"
        ),
    ]


_NATIVE = """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: OBJECTIVE
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
  alerting:
    windows: [{severity: page, budget_percent: BUDGET, long: 1h, short: 5m}]
    page: {enabled: ENABLED}
"""


@pytest.mark.parametrize(
    ("objective", "budget", "enabled", "expected"),
    [
        ("true", "2", "true", "5: spec.objective: Input should be a valid number (got True)"),
        (
            '"99.9"',
            "2",
            "true",
            (
                "5: spec.objective: Input should be a valid number (got '99.9'); "
                "write it without quotes"
            ),
        ),
        (
            "99.9",
            "'2'",
            "true",
            (
                "8: spec.alerting.windows[0].budget_percent: Input should be a valid number "
                "(got '2'); write it without quotes"
            ),
        ),
        (
            "99.9",
            "false",
            "true",
            (
                "8: spec.alerting.windows[0].budget_percent: Input should be a valid number "
                "(got False)"
            ),
        ),
        (
            "99.9",
            "2",
            "1",
            "9: spec.alerting.page.enabled: Input should be a valid boolean (got 1)",
        ),
        (
            "99.9",
            "2",
            '"false"',
            (
                "9: spec.alerting.page.enabled: Input should be a valid boolean (got 'false'); "
                "write it without quotes"
            ),
        ),
        (
            "99.9",
            ".nan",
            "true",
            "8: spec.alerting.windows[0].budget_percent: Input should be a finite number",
        ),
    ],
)
def test_numbers_and_booleans_must_be_written_as_such(
    tmp_path: Path, objective: str, budget: str, enabled: str, expected: str
) -> None:
    # objective: true was read as a 1 % SLO and "99.9" as 99.9.
    text = _NATIVE.replace("OBJECTIVE", objective).replace("BUDGET", budget)
    path = write(tmp_path, text.replace("ENABLED", enabled))
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:{expected}")


def test_sloth_and_openslo_numbers_and_booleans_must_be_written_as_such(tmp_path: Path) -> None:
    sloth = write(
        tmp_path,
        """version: prometheus/v1
service: agent
slos:
  - name: api
    objective: "99.9"
    sli: {events: {error_query: "e[{{.window}}]", total_query: "t[{{.window}}]"}}
    alerting: {name: ApiBurn, ticket_alert: {disable: "yes"}}
""",
        "sloth.yaml",
    )
    assert problems(sloth) == [
        (
            f"{sloth}:5: slos[0].objective: Input should be a valid number (got '99.9'); "
            "write it without quotes"
        ),
        (
            f"{sloth}:7: slos[0].alerting.ticket_alert.disable: Input should be a valid boolean "
            "(got 'yes')"
        ),
    ]
    openslo = write(
        tmp_path,
        """apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  service: agent
  indicator:
    spec:
      ratioMetric:
        counter: 1
        good: {metricSource: {type: Prometheus, spec: {query: ok_total}}}
        total: {metricSource: {type: Prometheus, spec: {query: all_total}}}
  timeWindow: [{duration: 28d, isRolling: "true"}]
  objectives: [{target: true}, {target: 0}, {targetPercent: "99"}]
""",
        "openslo.yaml",
    )
    assert problems(openslo) == [
        (
            f"{openslo}:9: spec.indicator.spec.ratioMetric.counter: Input should be a valid "
            "boolean (got 1)"
        ),
        (
            f"{openslo}:12: spec.timeWindow[0].isRolling: Input should be a valid boolean "
            "(got 'true'); write it without quotes"
        ),
        f"{openslo}:13: spec.objectives[0].target: Input should be a valid number (got True)",
        # 0 passed the wire model and then failed the SLO's invariant with a traceback.
        f"{openslo}:13: spec.objectives[1].target: Input should be greater than 0 (got 0)",
        (
            f"{openslo}:13: spec.objectives[2].targetPercent: Input should be a valid number "
            "(got '99'); write it without quotes"
        ),
    ]


_OPENSLO = """apiVersion: openslo/v1
kind: SLO
metadata: {name: web}
spec:
  service: web
  indicator:
    metadata: {name: ratio}
    spec:
      ratioMetric:
        counter: COUNTER
        good: {metricSource: {type: SOURCE, spec: {query: 'GOOD'}}}
        total: {metricSource: {type: SOURCE, spec: {query: 'TOTAL'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
"""


def _openslo(
    tmp_path: Path,
    good: str,
    total: str = "http_requests_total",
    counter: str = "true",
    source: str = "Prometheus",
) -> Path:
    text = _OPENSLO.replace("COUNTER", counter).replace("SOURCE", source)
    return write(tmp_path, text.replace("GOOD", good).replace("TOTAL", total), "openslo.yaml")


@pytest.mark.parametrize(
    ("query", "rate"),
    [
        ("http_requests_total", "sum(rate(http_requests_total[{{window}}]))"),
        (
            'ok_total{code="200", path=~"/a|/b"}',
            'sum(rate(ok_total{code="200", path=~"/a|/b"}[{{window}}]))',
        ),
        # The OpenSLO README's shape: rate(sum(...)[5m]) is refused by Prometheus ("ranges only
        # allowed for vector selectors"); the sum of the rates is what it means.
        (
            'sum(http_requests_total{status_code="200"})',
            'sum(rate(http_requests_total{status_code="200"}[{{window}}]))',
        ),
        ('sum( ok_total{path="/(x)"} )', 'sum(rate(ok_total{path="/(x)"}[{{window}}]))'),
        ("sum(increase(ok_total[{{window}}]))", "sum(increase(ok_total[{{window}}]))"),
    ],
)
def test_openslo_counter_queries_get_a_rate_over_each_window(
    tmp_path: Path, query: str, rate: str
) -> None:
    (slo,) = load_slos([_openslo(tmp_path, query)])
    prom = slo.indicator.prometheus
    assert prom is not None
    assert prom.errors == f"(sum(rate(http_requests_total[{{{{window}}}}]))) - ({rate})"


@pytest.mark.parametrize(
    "query",
    [
        "sum(rate(ok_total[5m]))",
        "sum by (code) (ok_total)",
        "ok_total offset 5m",
        "ok_total / 2",
        'sum(ok_total{code="200"}) / sum(all_total{})',
    ],
)
def test_openslo_counter_queries_that_are_not_selectors_are_refused(
    tmp_path: Path, query: str
) -> None:
    path = _openslo(tmp_path, query)
    (message,) = problems(path)
    assert message == (
        f"{path}:11: spec.indicator.spec.ratioMetric.good.metricSource.spec.query: with counter: "
        'true the query must be a counter selector such as http_requests_total{code="200"}, '
        "optionally inside sum(...): onshift takes its rate over each alert window, and "
        "Prometheus allows a range only on a selector; for any other query write the window "
        'in it, e.g. sum(rate(http_requests_total{code="200"}[{{window}}]))'
    )


def test_openslo_gauges_are_refused_unless_each_query_holds_the_window(tmp_path: Path) -> None:
    # counter: false used the queries with no window: every slo:sli_error:ratio_rate<W> from 5m
    # to 3d was the same instant ratio.
    path = _openslo(tmp_path, "ok", "all", counter="false")
    (message,) = problems(path)
    assert message.startswith(
        f"{path}:10: spec.indicator.spec.ratioMetric.counter: counter: false (gauges) is not "
        "supported: without a window every alert window would be the same instant ratio"
    )
    windowed = _openslo(
        tmp_path,
        "sum(increase(ok[{{window}}]))",
        "sum(increase(all[{{window}}]))",
        counter="false",
    )
    (slo,) = load_slos([windowed])
    assert slo.indicator.prometheus is not None
    assert slo.indicator.prometheus.total == "sum(increase(all[{{window}}]))"


def test_openslo_sources_other_than_prometheus_are_refused_by_name(tmp_path: Path) -> None:
    # A Datadog query was wrapped as PromQL.
    path = _openslo(tmp_path, "sum:ok{*}", "sum:all{*}", source="Datadog")
    assert problems(path) == [
        (
            f"{path}:{line}: spec.indicator.spec.ratioMetric.{key}.metricSource.type: "
            "metricSource type 'Datadog' is not supported: onshift reads Prometheus (PromQL) "
            "sources only"
        )
        for line, key in ((11, "good"), (12, "total"))
    ]


def test_openslo_unknown_fields_are_reported_where_onshift_reads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: openslo/v1
kind: Service
metadata: {name: web, whatever: 1}
spec: {description: anything goes in kinds onshift does not read}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: web, displayName: Web, annotations: {a: b}}
spec:
  service: web
  indicator:
    spec:
      ratioMetric:
        counter: true
        goood: {metricSource: {type: Prometheus, spec: {query: ok_total}}}
        total: {metricSource: {type: Prometheus, spec: {query: all_total}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethd: Occurrences
  objectives: [{displayName: a, targt: 0.999}]
  alertPolicies: [{kind: AlertPolicy, metadata: {name: p}, spec: {}}]
""",
        "openslo.yaml",
    )
    found = sorted(problems(path))
    assert [m.split(": unknown field")[0] for m in found] == [
        f"{path}:15: spec.indicator.spec.ratioMetric.goood",
        f"{path}:18: spec.budgetingMethd",
        f"{path}:19: spec.objectives[0].targt",
    ]
    assert (
        f"{path}:18: spec.budgetingMethd: unknown field; did you mean 'budgetingMethod'?"
        in found[1]
    )
    assert len(found) == 3


def test_openslo_indicator_ref_reads_an_sli_of_the_same_file(tmp_path: Path) -> None:
    sli = """apiVersion: openslo/v1
kind: SLI
metadata: {name: web-ratio}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
---
"""
    slo = """apiVersion: openslo/v1
kind: SLO
metadata: {name: web}
spec:
  service: web
  indicatorRef: web-ratio
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives: [{target: 0.999}]
"""
    (loaded,) = load_slos([write(tmp_path, sli + slo)])
    prom = loaded.indicator.prometheus
    assert prom is not None
    assert prom.errors == 'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))'
    # A PromQL check reports against the SLI document, where the query is written.
    assert [(ref.line, ref.path) for _, ref in prom.written] == [
        (7, "spec.ratioMetric.bad.metricSource.spec.query"),
        (8, "spec.ratioMetric.total.metricSource.spec.query"),
    ]
    missing = write(tmp_path, sli + slo.replace("indicatorRef: web-ratio", "indicatorRef: web"))
    assert problems(missing) == [
        (
            f"{missing}:15: spec.indicatorRef: no kind: SLI named 'web' in this file (SLIs here: "
            "web-ratio); onshift resolves indicatorRef to exactly one SLI document of the same file"
        )
    ]
    broken = write(
        tmp_path,
        sli.replace("bad:", "bda:") + slo + "---\n" + slo.replace("name: web}", "name: web2}"),
    )
    # Two SLOs refer to the broken SLI: its problems are reported once, at the SLI.
    assert [m.split(": ")[0:2] for m in problems(broken)] == [
        [f"{broken}:7", "spec.ratioMetric.bda"],
    ]


def test_openslo_readme_shaped_queries_make_rules_promtool_accepts(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    # sum(rate(sum(http_requests_total{})[5m])): promtool refused the whole file.
    require_binary("promtool")
    path = _openslo(
        tmp_path, 'sum(http_requests_total{status_code="200"})', "sum(http_requests_total{})"
    )
    out = tmp_path / "rules.yml"
    assert run_cli("rules", path, "-o", out).code == 0
    checked = promtool_check_rules(out)
    assert checked.returncode == 0, checked.stdout + checked.stderr


_WINDOWED = """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent}
spec:
  objective: 99.9
  window: WINDOW
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
"""


@pytest.mark.parametrize(
    ("window", "message"),
    [
        # These passed with "factor < 1" warnings only, and exit code 0.
        (
            "1h",
            "an SLO window must be at least 1d (the period an error budget is spent over), got 1h",
        ),
        (
            "1500ms",
            (
                "an SLO window must be at least 1d (the period an error budget is spent over), "
                "got 1500ms"
            ),
        ),
        ("1d500ms", "an SLO window must be a whole number of seconds, got 1d500ms"),
        (
            "2d",
            (
                "the SLO window 2d is shorter than the 3d long window of the google-30d alert "
                "windows (used for this window by default); use an SLO window of at least 3d, or "
                "list your own spec.alerting.windows with long windows that fit"
            ),
        ),
    ],
)
def test_an_slo_window_must_hold_its_alert_windows(
    tmp_path: Path, window: str, message: str
) -> None:
    path = write(tmp_path, _WINDOWED.replace("WINDOW", window))
    assert problems(path) == [f"{path}:6: spec.window: {message}"]


def test_inline_alert_windows_must_fit_the_slo_window_and_be_distinct(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        _WINDOWED.replace("WINDOW", "7d")
        + """  alerting:
    windows:
      - {severity: page, budget_percent: 2, long: 1h, short: 5m}
      - {severity: ticket, budget_percent: 10, long: 45d, short: 1h}
      - {severity: page, budget_percent: 3, long: 60m, short: 300s}
      - {severity: ticket, budget_percent: 10, long: 1h, short: 1500ms}
      - {severity: ticket, budget_percent: 10, long: 7d, short: 1d}
""",
    )
    assert problems(path) == [
        (
            f"{path}:11: spec.alerting.windows[1]: the long window 45d is longer than the SLO "
            "window 7d: its burn rate would count events from outside the period the budget "
            "belongs to; use at most 7d"
        ),
        f"{path}:12: spec.alerting.windows[2]: the same page tier 1h/5m as windows[0]; keep one",
        f"{path}:13: spec.alerting.windows[3]: alert windows must be whole numbers of seconds",
    ]


def test_a_named_catalogue_must_fit_the_slo_window(tmp_path: Path) -> None:
    path = write(tmp_path, _WINDOWED.replace("WINDOW", "2d") + "  alerting: {windows: google-7d}\n")
    assert problems(path) == [
        (
            f"{path}:8: spec.alerting.windows: the SLO window 2d is shorter than the 3d long "
            "window of the google-7d alert windows (named here); use an SLO window of at least "
            "3d, or list your own spec.alerting.windows with long windows that fit"
        )
    ]


def test_an_openslo_time_window_must_hold_the_alert_windows(tmp_path: Path) -> None:
    text = _OPENSLO.replace("COUNTER", "true").replace("SOURCE", "Prometheus")
    text = text.replace("GOOD", "ok_total").replace("TOTAL", "all_total")
    path = write(tmp_path, text.replace("duration: 30d", "duration: 1d"))
    assert problems(path) == [
        (
            f"{path}:13: spec.timeWindow[0].duration: the SLO window 1d is shorter than the 3d "
            "long window of the google-30d alert windows onshift uses for it; use a window of at "
            "least 3d"
        )
    ]
    hours = write(tmp_path, text.replace("duration: 30d", "duration: 12h"), "hours.yaml")
    assert problems(hours) == [
        (
            f"{hours}:13: spec.timeWindow[0].duration: an SLO window must be at least 1d (the "
            "period an error budget is spent over), got 12h"
        )
    ]


def test_shape_and_meaning_problems_of_a_document_are_reported_together(tmp_path: Path) -> None:
    # The unknown catalogue and the oversize tier appeared only once spec.bogus had been fixed.
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: a, service: b, colour: red}
spec:
  objective: "high"
  window: 7d
  bogus: 1
  indicator: {}
  alerting:
    windows:
      - {severity: page, budget_percent: 2, long: 1h, short: 5m}
      - {severity: ticket, budget_percent: 10, long: 30d, short: 6h}
---
apiVersion: onshift/v1
kind: SLO
metadata: {name: b, service: b}
spec:
  objective: 99.9
  bogus: 1
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
  alerting: {windows: google-99d}
""",
    )
    found = [m.removeprefix(f"{path}:") for m in problems(path)]
    assert [m.split(": ")[0:2] for m in found] == [
        ["3", "metadata.colour"],
        ["5", "spec.objective"],
        ["7", "spec.bogus"],
        ["8", "spec.indicator"],
        ["12", "spec.alerting.windows[1]"],
        ["19", "spec.bogus"],
        ["21", "spec.alerting.windows"],
    ]
    assert found[3] == (
        "8: spec.indicator: needs a binding: prometheus {errors, total} and/or events {bad_if}"
    )
    assert found[4].startswith("12: spec.alerting.windows[1]: the long window 30d is longer")
    assert found[6].startswith("21: spec.alerting.windows: unknown window catalogue 'google-99d'")


def test_sloth_shape_and_meaning_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """version: prometheus/v1
service: agent
slos:
  - name: api
    objective: 99.9
    descripton: typo
    sli: {events: {error_query: "e[5m]", total_query: "t[{{.window}}]"}}
    alerting: {page_alert: {disable: true}}
  - name: raw
    objective: 99.9
    sli: {raw: {error_ratio_query: x}}
    alerting: {name: RawBurn}
""",
        "sloth.yaml",
    )
    assert [m.removeprefix(f"{path}:").split(": ")[0:2] for m in problems(path)] == [
        ["6", "slos[0].descripton"],
        ["7", "slos[0].sli.events.error_query"],
        ["8", "slos[0].alerting"],
        ["11", "slos[1].sli"],
    ]


def test_openslo_shape_and_meaning_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: openslo/v1
kind: SLO
metadata: {name: web}
spec:
  service: web
  indicator:
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Datadog, spec: {query: 'sum:ok{*}'}}}
        total: {metricSource: {type: Prometheus, spec: {querry: all_total}}}
  timeWindow: [{duration: 2d, isRolling: false}]
  budgetingMethd: Occurrences
  objectives: [{target: 0.99, targetPercent: 99}]
""",
        "openslo.yaml",
    )
    assert [m.removeprefix(f"{path}:").split(": ")[0:2] for m in problems(path)] == [
        ["10", "spec.indicator.spec.ratioMetric.good.metricSource.type"],
        ["11", "spec.indicator.spec.ratioMetric.total.metricSource.spec.query"],
        ["11", "spec.indicator.spec.ratioMetric.total.metricSource.spec.querry"],
        ["12", "spec.timeWindow[0].duration"],
        ["12", "spec.timeWindow[0].isRolling"],
        ["13", "spec.budgetingMethd"],
        ["14", "spec.objectives[0]"],
    ]


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_document_whose_aliases_expand_beyond_bounds_is_refused(tmp_path: Path) -> None:
    # Eight nested levels of ten aliases ("billion laughs") kept slo check busy past 100 s.
    head = "apiVersion: onshift/v1\nkind: SLO\nmetadata: {name: a, service: b}\n"
    path = write(tmp_path, head + _laughs(6))
    assert problems(path) == [
        (
            f"{path}:1: this document holds more than 100000 values once its aliases (*name) are "
            "expanded; nested aliases multiply (a 'billion laughs'): write the values out or use "
            "fewer aliases"
        )
    ]
    # The loader every spec kind shares (runbooks, on-call) refuses it before expanding it.
    with pytest.raises(SpecError, match="billion laughs"):
        load_documents("runbook.yaml", text=_laughs(9))


def test_recursive_aliases_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    # Both were RecursionError tracebacks.
    recursive = write(tmp_path, "apiVersion: onshift/v1\nmetadata: &m {name: a, self: *m}\n")
    assert problems(recursive) == [
        (
            f"{recursive}:2: an alias refers to the value that contains it; a spec cannot be "
            "recursive: write the value out"
        )
    ]
    nested = write(tmp_path, "a: " + "[" * 150 + "]" * 150 + "\n", "nested.yaml")
    assert problems(nested) == [
        f"{nested}:1: this document nests mappings and lists more than 100 deep"
    ]
    deeper = write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n", "deeper.yaml")
    assert problems(deeper) == [f"{deeper}: this file nests mappings and lists more than 100 deep"]


def test_aliases_within_bounds_are_read_as_usual(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: agent, labels: &team {team: ai-platform}}
spec:
  objective: 99.9
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
  alerting: {labels: *team, annotations: *team}
""",
    )
    (slo,) = load_slos([path])
    assert slo.alerting.labels == slo.labels == {"team": "ai-platform"}


def test_two_slos_with_the_same_sloth_id_are_refused(tmp_path: Path) -> None:
    # service a-b, SLO c and service a, SLO b-c would share rule group names (a-b-c).
    doc = """\
apiVersion: onshift/v1
kind: SLO
metadata: {name: NAME, service: SERVICE}
spec:
  objective: 99.9
  indicator:
    prometheus: {errors: "sum(rate(e[{{window}}]))", total: "sum(rate(t[{{window}}]))"}
"""
    path = tmp_path / "slo.yaml"
    first = doc.replace("NAME", "c").replace("SERVICE", "a-b")
    path.write_text(first + "---\n" + doc.replace("NAME", "b-c").replace("SERVICE", "a"))
    with pytest.raises(SpecError) as caught:
        load_slos([path])
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 9)
    assert problem.message == (
        f"SLO a/b-c and SLO a-b/c (in {path}) both have the sloth_id 'a-b-c' (service-name) "
        "that names their series and rule groups; rename one"
    )


_EVENTS_SLO = """apiVersion: onshift/v1
kind: SLO
metadata: {name: a, service: b}
spec:
  objective: OBJECTIVE
  indicator:
    events: {bad_if: [{field: status, op: ">=", value: 500}]}
"""


@pytest.mark.parametrize(
    ("written", "objective"),
    [("99.9e0", Fraction(999, 1000)), ("9.99E+1", Fraction(999, 1000)), ("1e-300", None)],
)
def test_numbers_with_an_exponent_are_numbers_as_in_yaml_1_2(
    tmp_path: Path, written: str, objective: Fraction | None
) -> None:
    # YAML 1.1 (PyYAML) reads 1e-300 and 99.9e0 (no dot, or no sign in the exponent) as
    # strings, which were then refused with "write it without quotes".
    (slo,) = load_slos([write(tmp_path, _EVENTS_SLO.replace("OBJECTIVE", written))])
    assert slo.objective == (objective or Fraction(written) / 100)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'1e-300'", "Input should be a valid number (got '1e-300'); write it without quotes"),
        ('"99.9"', "Input should be a valid number (got '99.9'); write it without quotes"),
        ("09", "Input should be a valid number (got '09')"),
        ("١٢", "Input should be a valid number (got '١٢')"),
    ],
)
def test_write_it_without_quotes_is_said_only_of_a_quoted_value(
    tmp_path: Path, written: str, message: str
) -> None:
    path = write(tmp_path, _EVENTS_SLO.replace("OBJECTIVE", written))
    assert problems(path) == [f"{path}:5: spec.objective: {message}"]

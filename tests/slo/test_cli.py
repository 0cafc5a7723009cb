"""The SLO commands as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from onshift.errors import Problem
from tests.conftest import EXAMPLES, CliResult

AVAIL = EXAMPLES / "agent-availability.yaml"
COUNTS = EXAMPLES / "data" / "agent-counts.csv"

Run = Callable[..., CliResult]


def test_report_json_has_the_documented_shape(run_cli: Run) -> None:
    result = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--json")
    assert result.code == 0, result.err
    (slo,) = json.loads(result.out)["slos"]
    assert list(slo) == [
        "name",
        "service",
        "objective",
        "window",
        "at",
        "good",
        "bad",
        "total",
        "sli",
        "error_budget",
        "burn_rate",
        "current_burn_window",
        "time_to_exhaustion_s",
        "alerts",
        "data_span",
        "partial_windows",
    ]
    assert slo["objective"] == 99.9
    assert slo["window"] == "30d"
    assert slo["at"] == "2026-11-04T00:00:00Z"
    assert list(slo["error_budget"]) == ["allowed_bad", "consumed", "remaining"]
    assert list(slo["burn_rate"]) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    assert [(a["severity"], a["long"], a["short"], a["factor"]) for a in slo["alerts"]] == [
        ("page", "1h", "5m", 14.4),
        ("page", "6h", "30m", 6.0),
        ("ticket", "1d", "2h", 3.0),
        ("ticket", "3d", "6h", 1.0),
    ]
    # The example's brownout is still burning at the end of the data: the fast page fires.
    assert slo["alerts"][0]["firing"] is True
    assert slo["good"] + slo["bad"] == slo["total"]


def test_report_at_a_time_uses_the_windows_ending_then(run_cli: Run) -> None:
    result = run_cli(
        "slo", "report", AVAIL, "--counts", COUNTS, "--at", "2026-11-02T09:05:00Z", "--json"
    )
    (slo,) = json.loads(result.out)["slos"]
    assert slo["at"] == "2026-11-02T09:05:00Z"
    assert slo["burn_rate"]["5m"] > 100  # inside the 15 % storm
    before = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--at", "2020-01-01", "--json")
    assert before.code == 2
    assert "--at" in before.err


@pytest.mark.parametrize("at", ["2026-10-31T23:59:00Z", "2026-11-04T00:01:00Z", "2026-12-25"])
def test_report_at_a_time_outside_the_data_is_refused(run_cli: Run, at: str) -> None:
    result = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--at", at, "--json")
    assert result.code == 2, result.out
    assert result.out == ""
    assert result.err.startswith(f"error: --at: {at[:10]}")
    assert "is outside the data, whose intervals end from 2026-11-01T00:01:00Z to " in result.err
    assert "2026-11-04T00:00:00Z" in result.err
    assert "Traceback" not in result.err


def test_report_at_inside_the_last_interval_reports_it(run_cli: Run) -> None:
    result = run_cli(
        "slo", "report", AVAIL, "--counts", COUNTS, "--at", "2026-11-04T00:00:59Z", "--json"
    )
    assert result.code == 0, result.err
    (slo,) = json.loads(result.out)["slos"]
    assert slo["at"] == "2026-11-04T00:00:00Z"


def test_the_same_input_gives_the_same_bytes(run_cli: Run) -> None:
    first = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--json").out
    second = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--json").out
    assert first == second


def test_replay_json_lists_transitions_with_burn_rates(run_cli: Run) -> None:
    result = run_cli("alerts", "replay", AVAIL, "--counts", COUNTS, "--json")
    assert result.code == 0, result.err
    transitions = json.loads(result.out)["transitions"]
    storm = [t for t in transitions if t["at"].startswith("2026-11-02T09") and t["long"] == "1h"]
    assert [t["state"] for t in storm] == ["firing", "resolved"]
    assert set(storm[0]) == {
        "at",
        "slo",
        "service",
        "severity",
        "state",
        "long",
        "short",
        "burn_rate_long",
        "burn_rate_short",
        "suppressed",
        "partial_window",
    }
    assert storm[0]["partial_window"] is False  # a day and a half of data fills the hour
    assert storm[0]["burn_rate_long"] > 14.4
    assert storm[0]["burn_rate_short"] > 14.4
    assert (storm[0]["slo"], storm[0]["service"]) == ("agent-availability", "support-agent")


def test_replay_json_has_one_shape_for_any_number_of_slos(run_cli: Run, tmp_path: Path) -> None:
    # One SLO gave {"transitions": …} without saying which SLO; two gave {"slos": [{…}]}.
    second = tmp_path / "second.yaml"
    second.write_text(
        AVAIL.read_text(encoding="utf-8")
        .replace("name: agent-availability", "name: agent-availability-strict")
        .replace("objective: 99.9\n", "objective: 99.95\n"),
        encoding="utf-8",
    )
    one = json.loads(run_cli("alerts", "replay", AVAIL, "--counts", COUNTS, "--json").out)
    result = run_cli("alerts", "replay", AVAIL, second, "--counts", COUNTS, "--json")
    assert result.code == 0, result.err
    two = json.loads(result.out)
    assert list(one) == list(two) == ["transitions", "notifications", "slos"]
    assert one["slos"] == [{"name": "agent-availability", "service": "support-agent"}]
    assert two["slos"] == [
        {"name": "agent-availability", "service": "support-agent"},
        {"name": "agent-availability-strict", "service": "support-agent"},
    ]
    for body in (one, two):
        for key in ("transitions", "notifications"):
            items = body[key]
            assert items == sorted(items, key=lambda t: (t["at"], t["service"], t["slo"]))
    strict = [t for t in two["transitions"] if t["slo"] == "agent-availability-strict"]
    assert strict
    assert [t for t in two["transitions"] if t["slo"] == "agent-availability"] == one["transitions"]
    assert [n for n in two["notifications"] if n["slo"] == "agent-availability"] == one[
        "notifications"
    ]
    assert two["transitions"] != one["transitions"] + strict  # interleaved by time


def test_check_explains_and_warns_about_tiers_that_can_never_fire(
    run_cli: Run, tmp_path: Path
) -> None:
    path = tmp_path / "ninety.yaml"
    path.write_text(
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: batch, service: summariser}
spec:
  objective: 90
  window: 28d
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
""",
        encoding="utf-8",
    )
    result = run_cli("slo", "check", path, "--json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    (slo,) = body["slos"]
    tiers = slo["alerting"]["tiers"]
    assert [t["can_fire"] for t in tiers] == [False, True, True, True]
    assert tiers[0]["error_ratio_threshold"] > 1
    assert any("page tier 1h/5m can never fire" in w for w in slo["warnings"])
    # A lower objective means a bigger budget and a still higher threshold: the advice must
    # point the other way (it said "lower the objective's ambition").
    assert any(
        w.endswith(
            "raise the objective, or give this tier a smaller budget share or a longer long window"
        )
        for w in slo["warnings"]
    )
    assert any("factor of 0.9333 (< 1)" in w for w in slo["warnings"])
    strict = run_cli("slo", "check", path, "--strict")
    assert strict.code == 1
    assert "can never fire" in strict.out


def test_check_json_on_a_bad_file_says_it_is_invalid_on_stdout_and_exits_2(
    run_cli: Run, tmp_path: Path
) -> None:
    # stdout was empty although the success shape says "valid": true.
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: onshift/v1\nkind: SLO\nmetadata: {name: a, service: b}\nspec:\n"
        "  objective: 150\n  indicator: {events: {bad_if: [{field: s, op: '>=', value: 5}]}}\n",
        encoding="utf-8",
    )
    missing = tmp_path / "missing.yaml"
    result = run_cli("slo", "check", path, missing, "--json")
    assert result.code == 2
    body = json.loads(result.out)
    assert list(body) == ["valid", "problems"]
    assert body["valid"] is False
    assert body["problems"]
    for problem in body["problems"]:
        assert list(problem) == ["file", "line", "path", "message"]
    rendered = [
        Problem(file=p["file"], line=p["line"], path=p["path"] or "", message=p["message"])
        for p in body["problems"]
    ]
    assert [f"error: {p.render()}" for p in rendered] == result.err.splitlines()
    objective = [p for p in body["problems"] if p["path"] == "spec.objective"]
    assert objective
    assert (objective[0]["file"], objective[0]["line"]) == (str(path), 5)
    assert "Traceback" not in result.err
    assert run_cli("slo", "check", path).out == ""  # without --json, stdout stays empty


def test_check_warns_when_a_full_outage_outruns_every_alert(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "five-nines.yaml"
    path.write_text(
        """apiVersion: onshift/v1
kind: SLO
metadata: {name: api, service: gateway}
spec:
  objective: 99.999
  indicator: {events: {bad_if: [{field: status, op: ">=", value: 500}]}}
""",
        encoding="utf-8",
    )
    body = json.loads(run_cli("slo", "check", path, "--json").out)
    (slo,) = body["slos"]
    assert slo["full_outage_budget_s"] == 25.92
    assert any("in 26 s, faster than the shortest alert window (5m)" in w for w in slo["warnings"])


def test_bad_input_exits_2_with_one_message_per_problem_and_no_traceback(
    run_cli: Run, tmp_path: Path
) -> None:
    csv = tmp_path / "counts.csv"
    csv.write_text(
        "timestamp,good,total\n60,10,10\n120,x,10\n180,12,10\n300,1,1\n", encoding="utf-8"
    )
    result = run_cli("slo", "report", AVAIL, "--counts", csv)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines == [
        f"error: {csv}:3: good: expected a finite non-negative number, got 'x'",
        f"error: {csv}:4: good: good (12) is larger than total (10)",
        (
            f"error: {csv}:5: timestamp: this row is 120 s after the previous one; every row "
            "must be 60 s after the previous (the step set by the first two rows)"
        ),
    ]
    assert "Traceback" not in result.err


def test_a_missing_data_source_or_two_of_them_is_a_usage_error(run_cli: Run) -> None:
    none = run_cli("slo", "report", AVAIL)
    assert none.code == 2
    assert "give exactly one data source" in none.err
    both = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--events", COUNTS)
    assert both.code == 2
    assert "(got --counts, --events)" in both.err


def test_a_step_that_does_not_divide_the_windows_is_explained(run_cli: Run, tmp_path: Path) -> None:
    csv = tmp_path / "counts.csv"
    csv.write_text("timestamp,good,total\n420,1,1\n840,1,1\n", encoding="utf-8")
    result = run_cli("slo", "report", AVAIL, "--counts", csv)
    assert result.code == 2
    assert "the data's step (7m) does not divide the window(s) 5m" in result.err


def test_human_output_names_the_firing_tiers(run_cli: Run) -> None:
    result = run_cli("slo", "report", AVAIL, "--counts", COUNTS)
    assert result.code == 0
    assert "support-agent/agent-availability" in result.out
    assert "FIRING" in result.out
    assert "(suppressed by page)" in result.out


@pytest.mark.parametrize("last_busy_minute", [60, 0], ids=["quiet at the end", "no traffic"])
def test_report_says_no_traffic_when_the_current_window_has_no_events(
    run_cli: Run, tmp_path: Path, last_busy_minute: int
) -> None:
    # It said "never at this rate", as if the burn rate were zero, when there was no rate.
    csv = tmp_path / "quiet.csv"
    rows = [
        f"{60 * i},{n},{n}\n" for i in range(1, 71) for n in [100 if i <= last_busy_minute else 0]
    ]
    csv.write_text("timestamp,good,total\n" + "".join(rows), encoding="utf-8")
    result = run_cli("slo", "report", AVAIL, "--counts", csv)
    assert result.code == 0, result.err
    assert "time to exhaustion at the 5m burn rate: no traffic in the last 5m" in result.out
    assert "never at this rate" not in result.out


def test_report_with_traffic_that_burns_nothing_says_never(run_cli: Run, tmp_path: Path) -> None:
    csv = tmp_path / "clean.csv"
    rows = [f"{60 * i},100,100\n" for i in range(1, 11)]
    csv.write_text("timestamp,good,total\n" + "".join(rows), encoding="utf-8")
    result = run_cli("slo", "report", AVAIL, "--counts", csv)
    assert "time to exhaustion at the 5m burn rate: never at this rate" in result.out


def test_the_replay_table_fits_80_columns_without_cutting_a_word(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 80 columns the table printed "suppres…" and "long/sh…".
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("alerts", "replay", AVAIL, "--counts", COUNTS)
    assert result.code == 0, result.err
    assert "…" not in result.out
    assert max(len(line.rstrip()) for line in result.out.splitlines()) <= 80
    assert "│ 2026-11-02T09:10:00Z │ ticket │ 3d/6h   │ suppressed │ 1.07×* │   4.50× │" in (
        result.out
    )


def test_replay_help_does_not_offer_step_for_prometheus(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # replay takes no --prometheus, yet its --step help said it applied to one.
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("alerts", "replay", "--help")
    assert result.code == 0
    assert "--prometheus" not in result.out
    assert "Interval to bucket --events into (default 1m)." in result.out


COMMANDS = ["alerts", "escalation", "incident", "oncall", "rules", "runbook", "slo"]


def test_onshift_help_lists_every_command_and_imports_no_heavy_module() -> None:
    """`onshift --help` names every command. It stays fast (the issue: under 0.5 s) because no
    heavy dependency is imported to print it; that is what is checked here, not a wall-clock
    time, which would be flaky on a loaded CI machine."""
    code = (
        "import sys\n"
        "from onshift.cli.app import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "heavy = [m for m in ('numpy', 'pyarrow', 'pydantic', 'sqlalchemy', 'matplotlib', 'httpx')"
        " if m in sys.modules]\n"
        "print('heavy modules:', heavy)\n"
    )
    env = {**os.environ, "COLUMNS": "120"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    help_text, _, heavy = out.rpartition("heavy modules: ")
    assert heavy.strip() == "[]"
    panel = help_text.split("─ Commands ─", 1)[1].split("╰", 1)[0]
    listed = re.findall(r"^│ (\w+) {2,}\S", panel, flags=re.MULTILINE)
    assert sorted(listed) == COMMANDS


def test_a_request_log_report_weighs_events_by_tokens_and_replays_the_brownout(
    run_cli: Run,
) -> None:
    ttft = EXAMPLES / "agent-ttft.yaml"
    log = EXAMPLES / "data" / "agent-requests.jsonl"
    result = run_cli("slo", "report", ttft, "--events", log, "--json")
    assert result.code == 0, result.err
    (slo,) = json.loads(result.out)["slos"]
    assert slo["window"] == "7d"
    assert slo["at"] == "2026-11-02T00:00:00Z"
    lines = log.read_text(encoding="utf-8").splitlines()
    tokens = sum(json.loads(line)["output_tokens"] for line in lines)
    assert slo["total"] == tokens  # weighted by output_tokens, not by request count
    assert [(a["long"], a["factor"]) for a in slo["alerts"]] == [
        ("1h", 13.44),
        ("6h", 3.5),
        ("1d", 1.4),
        ("3d", 0.98),
    ]
    replay = run_cli("alerts", "replay", ttft, "--events", log, "--json")
    pages = [t for t in json.loads(replay.out)["transitions"] if t["severity"] == "page"]
    assert [t["state"] for t in pages] == ["firing", "resolved"]
    assert pages[0]["at"].startswith("2026-11-01T14:")  # the 14:00 latency brownout


def test_a_malformed_prometheus_url_is_bad_input_not_a_traceback(run_cli: Run) -> None:
    # 'http://[::1' raised httpx.InvalidURL out of the CLI; 'notaurl' was a failed request (1).
    for url, says in (
        ("http://[::1", "--prometheus: not a URL: Invalid port"),
        ("notaurl", "--prometheus: expected an http:// or https:// URL, got 'notaurl'"),
        ("ftp://x", "--prometheus: expected an http:// or https:// URL, got 'ftp://x'"),
    ):
        result = run_cli("slo", "report", AVAIL, "--prometheus", url)
        assert result.code == 2, (url, result.err)
        assert says in result.err
        assert "Traceback" not in result.err


def test_replay_lists_what_is_notified_and_a_held_back_ticket_opens_when_the_page_stops(
    run_cli: Run,
) -> None:
    result = run_cli("alerts", "replay", AVAIL, "--counts", COUNTS, "--json")
    body = json.loads(result.out)
    storm = [n for n in body["notifications"] if n["at"].startswith("2026-11-02T09")]
    ids = {"slo": "agent-availability", "service": "support-agent"}
    assert storm == [
        {"at": "2026-11-02T09:06:00Z", **ids, "severity": "page", "state": "notify"},
        {"at": "2026-11-02T09:15:00Z", **ids, "severity": "page", "state": "clear"},
        # The 3d/6h ticket began firing during the page (suppressed) and still fires.
        {"at": "2026-11-02T09:15:00Z", **ids, "severity": "ticket", "state": "notify"},
    ]
    held = [
        t for t in body["transitions"]
        if t["severity"] == "ticket" and t["state"] == "firing" and t["suppressed"]
    ]  # fmt: skip
    assert held
    assert held[0]["at"] < "2026-11-02T09:15:00Z"


def test_a_step_given_with_a_counts_csv_is_refused_rather_than_ignored(run_cli: Run) -> None:
    result = run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--step", "5m")
    assert result.code == 2
    assert "--step: --step applies to --events and --prometheus" in result.err


def test_replay_marks_burn_rates_over_windows_longer_than_the_data(run_cli: Run) -> None:
    result = run_cli("alerts", "replay", AVAIL, "--counts", COUNTS, "--json")
    first = json.loads(result.out)["transitions"][0]
    assert (first["at"], first["long"], first["partial_window"]) == (
        "2026-11-01T00:02:00Z",
        "1d",
        True,
    )
    human = run_cli("alerts", "replay", AVAIL, "--counts", COUNTS)
    assert "×*" in human.out
    assert "* the long window reaches back before the data begins" in human.out


def test_report_says_which_windows_reach_back_before_the_data(run_cli: Run) -> None:
    early = run_cli(
        "slo", "report", AVAIL, "--counts", COUNTS, "--at", "2026-11-01T02:00:00Z", "--json"
    )
    (slo,) = json.loads(early.out)["slos"]
    assert slo["data_span"] == "2h"
    assert slo["partial_windows"] == ["6h", "1d", "3d", "30d"]
    (whole,) = json.loads(run_cli("slo", "report", AVAIL, "--counts", COUNTS, "--json").out)["slos"]
    assert (whole["data_span"], whole["partial_windows"]) == ("3d", ["30d"])
    human = run_cli("slo", "report", AVAIL, "--counts", COUNTS)
    assert "the data reaches back 3d: rates over 30d cover only the data there is" in human.out

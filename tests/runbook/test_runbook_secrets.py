"""Credentials and tokens in ``--target-url`` are used for the requests and never written to
the journal, the incident timeline, progress lines, results or error messages."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from runbook_helpers import FAST, FlagsHandler, flag_step, probe_file, run_cli, runbook_text

from onshift.clock import SystemClock
from onshift.errors import TargetError
from onshift.redact import redact_url, scrub
from onshift.runbook import HttpFlagsTarget, read_journal, target_from_ref

PASSWORD = "pa55-w0rd-XYZ"
QUERY_TOKEN = "qs-t0ken-ABC"
SECRETS = (PASSWORD, QUERY_TOKEN)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8080/flags", "http://127.0.0.1:8080/flags"),
        ("http://user:secret@127.0.0.1:8080/flags", "http://user:***@127.0.0.1:8080/flags"),
        ("https://ghp_abc123@flags.example/f", "https://***@flags.example/f"),
        ("http://user:@h/f", "http://user:@h/f"),
        ("http://h/f?token=abc&env=prod", "http://h/f?token=***&env=prod"),
        ("http://h/f?access_token=abc", "http://h/f?access_token=***"),
        (
            "http://h/f?key=abc&api_key=def&x-api-key=g",
            "http://h/f?key=***&api_key=***&x-api-key=***",
        ),
        ("http://h/f?X-Amz-Signature=abc&page=2", "http://h/f?X-Amz-Signature=***&page=2"),
        ("http://h/f?password=&env=prod", "http://h/f?password=&env=prod"),
        ("http://h/f#access_token=abc", "http://h/f#access_token=***"),
        ("http://u:p%40ss@h/f?token=a%20b", "http://u:***@h/f?token=***"),
        ("http://u:p@ss@h/f", "http://u:***@h/f"),
        ("http://h/users/@me", "http://h/users/@me"),
        ("ftp://u:secret@[::1", "ftp://u:***@[::1"),
    ],
    ids=lambda v: v,
)
def test_a_url_is_shown_with_its_password_and_secret_query_values_masked(
    url: str, shown: str
) -> None:
    assert redact_url(url).shown == shown
    assert redact_url(url).redacted == (shown != url)


def test_scrub_masks_each_secret_raw_and_percent_decoded() -> None:
    hidden = redact_url("http://u:p%40ss@h/f?token=t0k")
    assert set(hidden.secrets) == {"p%40ss", "p@ss", "t0k"}
    assert scrub("p@ss and p%40ss and t0k", hidden.secrets) == "*** and *** and ***"


def test_an_http_target_describes_itself_without_secrets_and_refuses_to_be_reopened_blind() -> None:
    target = HttpFlagsTarget(f"http://ops:{PASSWORD}@127.0.0.1:1/flags?token={QUERY_TOKEN}")
    ref = target.describe()
    assert ref == {
        "kind": "http-flags",
        "url": "http://ops:***@127.0.0.1:1/flags?token=***",
        "redacted": "true",
    }
    assert PASSWORD not in repr(target)
    with pytest.raises(TargetError, match="give --target-url with the full URL again") as info:
        target_from_ref(ref)
    assert not any(s in str(info.value) for s in SECRETS)


def _everything_written(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        blob = text.encode() if isinstance(text, str) else text
        for secret in SECRETS:
            assert secret.encode() not in blob, secret


def test_a_run_status_and_rollback_with_a_credentialed_url_journal_and_print_no_secret(
    tmp_path: Path,
    flags_server: tuple[str, type[FlagsHandler]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, handler = flags_server
    handler.basic = f"ops:{PASSWORD}"
    secret_url = url.replace("http://", f"http://ops:{PASSWORD}@") + f"?token={QUERY_TOKEN}&env=p"
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": FAST}])
    )
    journal, db = tmp_path / "run.jsonl", tmp_path / "incidents.db"
    assert run_cli(["incident", "open", "--title", "t", "--severity", "sev2", "--db", str(db),
                    "--json"]) == 0  # fmt: skip
    incident = str(json.loads(capsys.readouterr().out)["id"])
    now = SystemClock().now()
    probe = probe_file(
        tmp_path / "probe.json",
        [(now - timedelta(seconds=1), 6.0), (now + timedelta(seconds=1.5), 0.4)],
    )
    common = ["--probe", str(probe), "--incident", incident, "--db", str(db)]
    printed: list[str] = []

    def cli(*args: str) -> int:
        code = run_cli(list(args))
        out, err = capsys.readouterr()
        printed.extend((out, err))
        return code

    code = cli("runbook", "run", str(runbook), "--target-url", secret_url, *common,
               "--journal", str(journal), "--auto")  # fmt: skip
    assert code == 0, printed
    assert handler.state == {"retries": 1, "fallback_model": "small"}
    basic = "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode()
    assert {auth for _, auth in handler.requests} == {basic}  # the real URL was used
    assert all(path.endswith(f"?token={QUERY_TOKEN}&env=p") for path in handler.paths)
    shown = url.replace("http://", "http://ops:***@") + "?token=***&env=p"
    start = read_journal(journal)[0]
    assert start.data["target"] == {"kind": "http-flags", "url": shown, "redacted": "true"}
    assert cli("runbook", "status", str(journal)) == 0
    assert f"url={shown}" in printed[-2]

    # From the journal alone the endpoint cannot be reached: it says so and changes nothing.
    assert cli("runbook", "rollback", str(journal)) == 1
    assert "give --target-url with the full URL again" in printed[-1]
    assert handler.state == {"retries": 1, "fallback_model": "small"}
    assert cli("runbook", "rollback", str(journal), "--target-url", secret_url, *common) == 0
    assert handler.state == {"retries": 1}

    _assert_no_secret(*printed, _everything_written(tmp_path))


def test_errors_about_a_credentialed_url_name_it_masked(
    tmp_path: Path,
    flags_server: tuple[str, type[FlagsHandler]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, handler = flags_server
    handler.basic = f"ops:{PASSWORD}"
    handler.etags = True
    handler.race = {"retries": 5}  # every PUT loses a race: the step fails to apply (HTTP 412)
    secret_url = url.replace("http://", f"http://ops:{PASSWORD}@") + f"?token={QUERY_TOKEN}"
    runbook = tmp_path / "rb.yaml"
    runbook.write_text(
        runbook_text([{**flag_step("fallback", "fallback_model", "small"), "verify": FAST}])
    )
    probe = probe_file(tmp_path / "probe.json", [(SystemClock().now(), 6.0)])
    journal = tmp_path / "run.jsonl"
    args = ["runbook", "run", str(runbook), "--probe", str(probe), "--auto", "--json"]
    assert run_cli([*args, "--target-url", secret_url, "--journal", str(journal)]) == 1
    out, err = capsys.readouterr()
    shown = url.replace("http://", "http://ops:***@") + "?token=***"
    assert f"TargetError: PUT {shown} answered HTTP 412" in json.loads(out)["steps"][0]["note"]
    assert f"PUT {shown} answered HTTP 412" in err  # the progress line
    printed = [out, err]

    unreachable = f"http://ops:{PASSWORD}@127.0.0.1:9/flags?token={QUERY_TOKEN}"
    assert run_cli([*args, "--target-url", unreachable, "--journal", str(tmp_path / "j2")]) == 1
    printed.append(capsys.readouterr().err)
    assert "GET http://ops:***@127.0.0.1:9/flags?token=*** failed" in printed[-1]

    wrong_scheme = f"ftp://ops:{PASSWORD}@127.0.0.1/flags"
    assert run_cli([*args, "--target-url", wrong_scheme, "--journal", str(tmp_path / "j3")]) == 2
    printed.append(capsys.readouterr().err)
    assert "got 'ftp://ops:***@127.0.0.1/flags'" in printed[-1]

    _assert_no_secret(*printed, _everything_written(tmp_path))


def test_status_masks_a_secret_in_a_journal_written_before_urls_were_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "old.jsonl"
    start = {
        "seq": 1,
        "at": "2026-01-31T02:00:00Z",
        "kind": "run_started",
        "runbook": "old",
        "step": None,
        "status": None,
        "data": {"target": {"kind": "http-flags", "url": f"http://u:{PASSWORD}@h/f"}},
    }
    journal.write_text(json.dumps(start) + "\n")
    assert run_cli(["runbook", "status", str(journal)]) == 0
    assert run_cli(["runbook", "status", str(journal), "--json"]) == 0
    out = capsys.readouterr().out
    assert "url=http://u:***@h/f" in out
    _assert_no_secret(out)

"""The flags-file and HTTP targets, for real: a file on disk and a server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from runbook_helpers import TOKEN, FlagsHandler

from onshift.errors import TargetError
from onshift.runbook import (
    FlagsFileTarget,
    HttpFlagsTarget,
    Patch,
    Target,
    restore_patch,
    target_from_ref,
)


def test_a_flags_file_target_writes_a_patch_and_its_undo_restores_the_file_bytes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flags.json"
    target = FlagsFileTarget(path)
    path.write_text(json.dumps({"retries": 1, "cache": False}, indent=2) + "\n")
    original = path.read_bytes()
    before = target.read()
    patch = Patch(values={"retries": 3, "kill_switch.tool_search": True})
    target.write(patch)
    assert json.loads(path.read_text()) == {
        "retries": 3,
        "cache": False,
        "kill_switch.tool_search": True,
    }
    target.write(restore_patch(before, patch))
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flags.json"]


def test_a_yaml_flags_file_stays_yaml(tmp_path: Path) -> None:
    path = tmp_path / "flags.yaml"
    path.write_text("fallback_model: null\nretries: 2\n")
    target = FlagsFileTarget(path)
    target.write(Patch(values={"fallback_model": "small"}))
    assert path.read_text() == "fallback_model: small\nretries: 2\n"
    assert target.read() == {"fallback_model": "small", "retries": 2}


def test_a_flags_file_write_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    path.write_text("{}")
    path.chmod(0o640)
    FlagsFileTarget(path).write(Patch(values={"cache": True}))
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_flags_file_behind_a_symlink_is_written_where_the_service_reads_it(
    tmp_path: Path,
) -> None:
    real = tmp_path / "live" / "flags.json"
    real.parent.mkdir()
    real.write_text('{"cache": false}')
    link = tmp_path / "flags.json"
    link.symlink_to(real)
    FlagsFileTarget(link).write(Patch(values={"cache": True}))
    assert link.is_symlink()
    assert json.loads(real.read_text()) == {"cache": True}
    assert sorted(p.name for p in real.parent.iterdir()) == ["flags.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the flags file"),
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold one JSON object"),
    ],
    ids=["missing", "not JSON", "not an object"],
)
def test_a_broken_flags_file_is_a_clear_target_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "flags.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TargetError, match=message):
        FlagsFileTarget(path).write(Patch(values={"cache": True}))
    if content is not None:
        assert path.read_text() == content


def test_an_http_target_gets_and_puts_json_with_the_bearer_token(
    flags_server: tuple[str, type[FlagsHandler]],
) -> None:
    url, handler = flags_server
    target = HttpFlagsTarget(url, token=TOKEN, timeout_s=5)
    assert isinstance(target, Target)
    before = target.read()
    patch = Patch(values={"fallback_model": "small"})
    target.write(patch)
    assert handler.state == {"retries": 1, "fallback_model": "small"}
    target.write(restore_patch(before, patch))
    assert handler.state == {"retries": 1}
    assert {auth for _, auth in handler.requests} == {f"Bearer {TOKEN}"}
    assert [method for method, _ in handler.requests] == ["GET", "GET", "PUT", "GET", "PUT"]


def test_an_http_target_with_a_wrong_token_says_so(
    flags_server: tuple[str, type[FlagsHandler]],
) -> None:
    url, _ = flags_server
    with pytest.raises(TargetError, match=r"HTTP 401 \(check the bearer token\)"):
        HttpFlagsTarget(url, token="wrong", timeout_s=5).read()


def test_an_unreachable_http_target_is_a_target_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TargetError, match=r"GET http://127\.0\.0\.1:\d+/flags failed"):
        HttpFlagsTarget(f"http://127.0.0.1:{port}/flags", timeout_s=1).read()


def test_a_malformed_url_is_a_target_error_not_a_crash() -> None:
    with pytest.raises(TargetError, match=r"GET http://\[::1 failed"):
        HttpFlagsTarget("http://[::1").read()


def test_a_target_is_reopened_from_what_it_wrote_to_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    reopened = target_from_ref(FlagsFileTarget(path).describe())
    assert isinstance(reopened, FlagsFileTarget)
    assert reopened.path == path
    ref = HttpFlagsTarget("http://127.0.0.1:1/f", token=TOKEN).describe()
    assert ref == {"kind": "http-flags", "url": "http://127.0.0.1:1/f"}
    assert isinstance(target_from_ref(ref, token=TOKEN), HttpFlagsTarget)
    with pytest.raises(TargetError, match="cannot be reopened"):
        target_from_ref({"kind": "fake"})


def test_an_http_target_writes_conditionally_when_the_endpoint_gives_etags(
    flags_server: tuple[str, type[FlagsHandler]],
) -> None:
    url, handler = flags_server
    handler.etags = True
    target = HttpFlagsTarget(url, token=TOKEN, timeout_s=5)
    target.write(Patch(values={"cache": True}))
    assert handler.state == {"retries": 1, "cache": True}
    assert handler.version == 1


def test_an_http_write_that_lost_a_race_is_refused_not_overwritten(
    flags_server: tuple[str, type[FlagsHandler]],
) -> None:
    url, handler = flags_server
    handler.etags = True
    handler.race = {"retries": 5}
    with pytest.raises(TargetError, match=r"HTTP 412 \(the flags changed since they were read"):
        HttpFlagsTarget(url, token=TOKEN, timeout_s=5).write(Patch(values={"cache": True}))
    assert handler.state == {"retries": 5}


def test_a_flags_file_is_journaled_by_absolute_path_so_rollback_works_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert FlagsFileTarget("flags.json").describe() == {
        "kind": "flags-file",
        "path": str(tmp_path / "flags.json"),
    }

"""Replies that are not what /api/v1/query_range answers: one clear SourceError each, naming the
query and the URL (credentials masked), never a traceback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from onshift.errors import SourceError
from onshift.slo.model import SLO
from onshift.slo.spec import load_slos
from onshift.sources.prometheus import PrometheusSource
from tests.conftest import EXAMPLES, CliResult

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
BASE = "http://reader:hunter2@prom.test"
SHOWN = "http://reader:***@prom.test"
STEP = timedelta(minutes=5)


@pytest.fixture(scope="module")
def slo() -> SLO:
    (item,) = load_slos([EXAMPLES / "agent-availability.yaml"])
    return item


def read(slo: SLO, reply: httpx.Response) -> Any:
    client = httpx.Client(transport=httpx.MockTransport(lambda _request: reply))
    with client:
        source = PrometheusSource(BASE, client)
        end = datetime.fromtimestamp(T0 + 3600, UTC)
        return source.counts(slo, end=end, span=timedelta(hours=1), step=STEP)


def matrix(*values: list[Any]) -> dict[str, Any]:
    series = [{"metric": {}, "values": list(v)} for v in values]
    return {"status": "success", "data": {"resultType": "matrix", "result": series}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], "a JSON object with 'status' and 'data', got a list"),
        ("success", "a JSON object with 'status' and 'data', got a string"),
        ({"status": "ok"}, "'status' to be 'success' or 'error', got 'ok'"),
        ({"status": "success"}, "'data' to be an object, got null"),
        ({"status": "success", "data": []}, "'data' to be an object, got a list"),
        (
            {"status": "success", "data": {"resultType": "scalar", "result": [T0, "1"]}},
            "'data.resultType' to be 'matrix' (query_range), got 'scalar'",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": {}}},
            "'data.result' to be a list, got an object",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}}]}},
            "'data.result[0].values' to be a list of samples",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": ["x"]}},
            "'data.result[0].values' to be a list of samples",
        ),
        (matrix([[T0 + 300]]), "'data.result[0].values[0]' to be [time, \"value\"], got a list"),
        (matrix(["abc"]), "'data.result[0].values[0]' to be [time, \"value\"], got a string"),
        (
            matrix([["soon", "1"]]),
            "'data.result[0].values[0]' to start with a Unix time, got a string",
        ),
        (
            matrix([[True, "1"]]),
            "'data.result[0].values[0]' to start with a Unix time, got true/false",
        ),
        (
            matrix([[T0 + 300, "0.5"], [T0 + 600, "abc"]]),
            "'data.result[0].values[1]' to hold a number as a string, got 'abc'",
        ),
        (
            matrix([[T0 + 300, 0.5]]),
            "'data.result[0].values[0]' to hold a number as a string, got a number",
        ),
    ],
)
def test_a_malformed_reply_says_what_was_expected(slo: SLO, body: Any, expected: str) -> None:
    errors_query, _ = slo.indicator.prometheus.render(STEP)  # type: ignore[union-attr]
    with pytest.raises(SourceError) as info:
        read(slo, httpx.Response(200, json=body))
    assert str(info.value) == (
        f"unexpected reply from Prometheus at {SHOWN}, query {errors_query!r}: expected {expected}"
    )


def test_a_reply_that_is_not_json_names_the_status_and_query(slo: SLO) -> None:
    errors_query, _ = slo.indicator.prometheus.render(STEP)  # type: ignore[union-attr]
    with pytest.raises(SourceError) as info:
        read(slo, httpx.Response(502, text="<html>Bad gateway</html>"))
    assert str(info.value) == (
        f"Prometheus at {SHOWN}, query {errors_query!r} answered HTTP 502 without JSON; "
        "expected the JSON of the Prometheus HTTP API"
    )


def test_a_refused_query_quotes_prometheus_without_the_password(slo: SLO) -> None:
    body = {"status": "error", "errorType": "bad_data", "error": "parse error (hunter2)"}
    with pytest.raises(SourceError) as info:
        read(slo, httpx.Response(400, json=body))
    assert str(info.value).startswith(f"Prometheus at {SHOWN} rejected the query '")
    assert str(info.value).endswith(": parse error (***)")


def test_a_failed_request_does_not_print_the_password(slo: SLO) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"no route to {request.url}", request=request)

    end = datetime.fromtimestamp(T0, UTC)
    with httpx.Client(transport=httpx.MockTransport(fail)) as client:
        source = PrometheusSource(BASE, client)
        with pytest.raises(SourceError) as info:
            source.counts(slo, end=end, span=timedelta(hours=1), step=STEP)
    assert str(info.value).startswith(f"cannot reach Prometheus at {SHOWN}: no route to http://")
    assert "hunter2" not in str(info.value)


def test_several_series_are_refused_with_the_fix(slo: SLO) -> None:
    reply = httpx.Response(200, json=matrix([[T0 + 300, "1"]], [[T0 + 300, "2"]]))
    with pytest.raises(SourceError) as info:
        read(slo, reply)
    assert str(info.value).endswith(
        f"to Prometheus at {SHOWN} returned 2 series; an SLO query must return one series "
        "(wrap it in sum(...))"
    )


def test_an_infinite_rate_is_refused_not_summed(slo: SLO) -> None:
    with pytest.raises(SourceError, match=r"returned \+Inf at 1767225900; an SLO query must"):
        read(slo, httpx.Response(200, json=matrix([[T0 + 300, "+Inf"]])))


def test_a_well_formed_reply_still_becomes_counts(slo: SLO) -> None:
    series = read(slo, httpx.Response(200, json=matrix([[T0 + 300, "0.5"], [T0 + 600, "NaN"]])))
    assert series.end.tolist()[:2] == [T0 + 300, T0 + 600]
    assert series.total.tolist()[:3] == [150.0, 0.0, 0.0]


class _ListReply(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def list_server() -> Iterator[str]:
    """A fake Prometheus on a free loopback port that answers every request with ``[]``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ListReply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_cli_reports_a_malformed_reply_as_one_error_line(
    run_cli: Callable[..., CliResult], list_server: str, slo: SLO
) -> None:
    errors_query, _ = slo.indicator.prometheus.render(STEP)  # type: ignore[union-attr]
    url = f"http://reader:hunter2@{list_server}"
    result = run_cli(
        "slo", "report", EXAMPLES / "agent-availability.yaml", "--prometheus", url, "--at", T0
    )
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: unexpected reply from Prometheus at http://reader:***@{list_server}, query "
        f"{errors_query!r}: expected a JSON object with 'status' and 'data', got a list\n"
    )

"""Shared fixtures for the runbook tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from runbook_helpers import FlagsHandler, Harness, make_harness


@pytest.fixture
def harness(tmp_path: Path) -> Callable[..., Harness]:
    return partial(make_harness, tmp_path)


@pytest.fixture
def flags_server() -> Iterator[tuple[str, type[FlagsHandler]]]:
    """An HTTP flags endpoint on 127.0.0.1 (a free port), stopped after the test."""
    handler = type("Flags", (FlagsHandler,), {"state": {"retries": 1}, "requests": [], "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/flags", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()

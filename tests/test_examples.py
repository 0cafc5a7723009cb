"""The shipped example data is exactly what the seeded generator makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import EXAMPLES


def test_example_data_is_reproduced_byte_for_byte_by_the_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("agent-counts.csv", "agent-requests.jsonl"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / "data" / name).read_bytes(), name

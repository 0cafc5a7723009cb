"""Arrow helpers that keep pandas out of the process (pyarrow imports it for pa.array and
to_numpy when it is installed, which costs a whole-process replay 0.2 s)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa

from onshift.sources._arrow import array_of, as_bool, as_float64, as_int64, scalar_of
from tests.conftest import EXAMPLES


def test_array_of_builds_the_same_arrays_as_pyarrow() -> None:
    cases = [
        ([1.5, None, 3.0], pa.float64()),
        ([5, None, -7], pa.int64()),
        ([True, False, None], pa.bool_()),
        (["503", None, "", "ünïcode"], pa.string()),
    ]
    for values, arrow_type in cases:
        assert array_of(values, arrow_type).equals(pa.array(values, type=arrow_type))
    assert scalar_of(None, "float64").as_py() is None
    assert scalar_of(2, "int64").as_py() == 2


def test_columns_become_numpy_arrays_across_chunks() -> None:
    column = pa.chunked_array([pa.array([1, 2]), pa.array([3])])
    assert as_int64(column).tolist() == [1, 2, 3]
    assert as_float64(column).dtype == np.float64
    assert as_bool(pa.chunked_array([pa.array([True, False]), pa.array([True])])).tolist() == [
        True,
        False,
        True,
    ]


def test_reports_from_counts_and_request_logs_never_import_pandas() -> None:
    code = (
        "import sys\n"
        "from onshift.cli.app import main\n"
        "for args in (\n"
        f"    ['slo', 'report', r'{EXAMPLES / 'agent-ttft.yaml'}', '--events',\n"
        f"     r'{EXAMPLES / 'data' / 'agent-requests.jsonl'}', '--json'],\n"
        f"    ['alerts', 'replay', r'{EXAMPLES / 'agent-availability.yaml'}', '--counts',\n"
        f"     r'{EXAMPLES / 'data' / 'agent-counts.csv'}', '--json'],\n"
        "):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        "print('pandas' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stderr.strip() == "False"

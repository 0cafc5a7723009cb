"""Arrow columns to numpy without pyarrow's ``to_numpy``, which imports pandas when it is
installed (0.2 s of a whole-process replay). Columns must have no nulls: callers check first."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "array_of",
    "as_bool",
    "as_float64",
    "as_int64",
    "chunk_views",
    "first_invalid_utf8",
    "scalar_of",
]


def chunk_views(column: Any, arrow_type: Any, dtype: Any) -> list[Any]:
    """Read-only numpy views of each chunk's values, cast to ``arrow_type``: no copy when the
    cast is free (timestamp → int64, a column already of that type)."""
    chunks = column.chunks if hasattr(column, "chunks") else [column]
    width = np.dtype(dtype).itemsize
    views = []
    for chunk in chunks:
        if chunk.null_count:
            msg = "a column with nulls cannot be viewed as numbers"
            raise ValueError(msg)
        typed = chunk.cast(arrow_type)
        views.append(
            np.frombuffer(
                typed.buffers()[1], dtype=dtype, count=len(typed), offset=typed.offset * width
            )
        )
    return views


def _view(column: Any, arrow_type: Any, dtype: Any) -> Any:
    parts = chunk_views(column, arrow_type, dtype)
    if not parts:
        return np.empty(0, dtype=dtype)
    return parts[0].copy() if len(parts) == 1 else np.concatenate(parts)


def as_float64(column: Any) -> npt.NDArray[np.float64]:
    import pyarrow as pa

    out: npt.NDArray[np.float64] = _view(column, pa.float64(), np.float64)
    return out


def as_int64(column: Any) -> npt.NDArray[np.int64]:
    import pyarrow as pa

    out: npt.NDArray[np.int64] = _view(column, pa.int64(), np.int64)
    return out


def as_bool(column: Any) -> npt.NDArray[np.bool_]:
    """Unpacked straight from arrow's bitmaps: one byte a row, allocated once per chunk."""
    import pyarrow as pa

    chunks = column.chunks if hasattr(column, "chunks") else [column]
    parts = []
    for chunk in chunks:
        if chunk.null_count:
            msg = "a column with nulls cannot be viewed as numbers"
            raise ValueError(msg)
        if not pa.types.is_boolean(chunk.type):
            chunk = chunk.cast(pa.bool_())  # noqa: PLW2901 - the same chunk, as booleans
        if len(chunk):
            bits = np.frombuffer(chunk.buffers()[1], dtype=np.uint8)
            unpacked = np.unpackbits(bits, count=chunk.offset + len(chunk), bitorder="little")
            parts.append(unpacked[chunk.offset :].view(np.bool_))
    if not parts:
        return np.empty(0, dtype=np.bool_)
    out: npt.NDArray[np.bool_] = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return out


def array_of(values: list[Any], arrow_type: Any) -> Any:
    """A small arrow array of float64, int64, bool or string values (``None`` for null), built
    from buffers because ``pa.array`` and ``pa.scalar`` import pandas when it is installed."""
    import pyarrow as pa
    import pyarrow.types as pat

    if isinstance(arrow_type, str):
        arrow_type = pa.type_for_alias(arrow_type)
    n = len(values)
    valid = np.array([v is not None for v in values], dtype=np.bool_)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    if pat.is_string(arrow_type):
        data = [str(v).encode() if v is not None else b"" for v in values]
        offsets = np.concatenate(([0], np.cumsum([len(d) for d in data]))).astype(np.int32)
        buffers = [bitmap, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(data))]
        return pa.Array.from_buffers(pa.string(), n, buffers)
    if pat.is_boolean(arrow_type):
        bits = np.packbits([bool(v) for v in values], bitorder="little")
        return pa.Array.from_buffers(arrow_type, n, [bitmap, pa.py_buffer(bits.tobytes())])
    dtype = {pa.float64(): np.float64, pa.int64(): np.int64}.get(arrow_type)
    if dtype is None:
        return pa.Array.from_buffers(pa.null(), n, [None]).cast(arrow_type)
    raw = np.array([0 if v is None else v for v in values], dtype=dtype)
    return pa.Array.from_buffers(arrow_type, n, [bitmap, pa.py_buffer(raw.tobytes())])


def scalar_of(value: Any, arrow_type: Any) -> Any:
    return array_of([value], arrow_type)[0]


def first_invalid_utf8(column: Any) -> tuple[int, bytes] | None:
    """Row and bytes of the first value of a text column that is not UTF-8, which the JSON
    reader lets through and which would fail later, where no line is known. One full
    validation a chunk (linear, vectorised); a failing chunk is bisected."""
    import pyarrow as pa

    offset = 0
    for chunk in column.chunks if hasattr(column, "chunks") else [column]:
        if not _valid(chunk):
            low, high = 0, len(chunk) - 1  # the first bad value lies in chunk[low : high + 1]
            while low < high:
                middle = (low + high) // 2
                if _valid(chunk.slice(low, middle - low + 1)):
                    low = middle + 1
                else:
                    high = middle
            raw = chunk.cast(pa.binary())[low].as_py()
            return offset + low, raw
        offset += len(chunk)
    return None


def _valid(chunk: Any) -> bool:
    import pyarrow as pa

    try:
        chunk.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True

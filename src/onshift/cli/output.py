"""Rendering helpers shared by every command: deterministic JSON and Rich tables."""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console

    from onshift.errors import Problem

__all__ = ["console", "print_json", "problems_json", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Plain JSON values; NaN/inf never leave onshift (they become null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    text = json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text + "\n")


def problems_json(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Each problem as ``{"file", "line", "path", "message"}``; what is not known is null."""
    return [
        {"file": p.file, "line": p.line, "path": p.path or None, "message": p.message}
        for p in problems
    ]


def console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False)

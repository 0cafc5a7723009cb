"""Durations and timestamps as people write them in YAML and on the command line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["format_duration", "parse_duration", "parse_timestamp", "to_iso"]

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w))+")


def parse_duration(text: str) -> timedelta:
    """Parse a Prometheus-style duration such as ``5m``, ``1h30m`` or ``30d``.

    Raises ``ValueError`` with a message that says what is expected.
    """
    value = text.strip()
    if not _WHOLE.fullmatch(value):
        msg = f"expected a duration such as 5m, 1h, 30d or 1h30m, got {text!r}"
        raise ValueError(msg)
    total = sum((int(n) * _UNITS[u] for n, u in _PART.findall(value)), timedelta(0))
    if total <= timedelta(0):
        msg = f"a duration must be positive, got {text!r}"
        raise ValueError(msg)
    return total


def format_duration(duration: timedelta) -> str:
    """The shortest exact Prometheus duration for ``duration`` in a single unit where possible.

    ``30d`` stays ``30d`` (not ``4w2d``); ``90m`` becomes ``90m``; 1.5 s becomes ``1500ms``.
    """
    total_ms = int(duration / timedelta(milliseconds=1))
    if total_ms <= 0:
        msg = f"cannot format a non-positive duration {duration!r}"
        raise ValueError(msg)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if total_ms % size == 0:
            return f"{total_ms // size}{unit}"
    return f"{total_ms}ms"


def parse_timestamp(text: str) -> datetime:
    """ISO-8601 (a naive value means UTC) or Unix seconds → aware UTC datetime."""
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return datetime.fromtimestamp(seconds, UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        msg = f"expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds, got {text!r}"
        raise ValueError(msg) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, seconds precision unless there are fractions."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")

"""Durations and timestamps as people write them in YAML and on the command line."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

__all__ = [
    "FIRST_TIME",
    "LAST_TIME",
    "MAX_DURATION",
    "format_duration",
    "parse_duration",
    "parse_timestamp",
    "to_iso",
]

# Bounds keep the arithmetic on what is parsed inside what datetime and timedelta hold:
# window: 1000000000d, --step 1000000000d, --at inf and --at 1e20 were OverflowError tracebacks.
# Any accepted time plus or minus any accepted duration is still a valid datetime.
MAX_DURATION = timedelta(days=36_500)
"""The longest duration accepted: 100 years."""
FIRST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest time accepted: the Unix epoch (as for data sources)."""
LAST_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""The first time no longer accepted."""

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
        msg = f"expected a duration such as 5m, 1h, 30d or 1h30m, got {_shown(text)}"
        raise ValueError(msg)
    limit = format_duration(MAX_DURATION)
    too_long = f"a duration must be at most {limit} (100 years), got {_shown(text)}"
    parts = _PART.findall(value)
    if any(len(n.lstrip("0")) > len(str(MAX_DURATION // _UNITS[u])) for n, u in parts):
        raise ValueError(too_long)  # before int() and timedelta() choke on its size
    total = sum((int(n) * _UNITS[u] for n, u in parts), timedelta(0))
    if total <= timedelta(0):
        msg = f"a duration must be positive, got {_shown(text)}"
        raise ValueError(msg)
    if total > MAX_DURATION:
        raise ValueError(too_long)
    return total


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short if it is long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


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
    out_of_range = (
        f"expected a time from {to_iso(FIRST_TIME)} (Unix seconds 0) to before "
        f"{to_iso(LAST_TIME)}, got {_shown(text)}"
    )
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        first, last = FIRST_TIME.timestamp(), LAST_TIME.timestamp()
        if not math.isfinite(seconds) or not first <= seconds < last:
            raise ValueError(out_of_range)
        return datetime.fromtimestamp(seconds, UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        msg = (
            f"expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix seconds, got {_shown(text)}"
        )
        raise ValueError(msg) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first datetime
        raise ValueError(out_of_range) from None
    if not FIRST_TIME <= parsed < LAST_TIME:
        raise ValueError(out_of_range)
    return parsed


def to_iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, seconds precision unless there are fractions."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")

"""The instants a data source may hold: from 1970-01-01T00:00:00Z to before 9000-01-01T00:00:00Z.

The range of ``--at``, from ``onshift.units``: any time in it plus or minus any accepted
duration (at most 100 years) is still a ``datetime``, which ends with the year 9999, so no
report, replay or window arithmetic overflows; a time before the Unix epoch is no SLO data
anyone keeps. A value far past the end is nearly always milliseconds, microseconds or
nanoseconds since the epoch, and the message says which. Sources check the range once, on whole
arrays (minimum and maximum), before anything converts.
"""

from __future__ import annotations

import math

from onshift.units import FIRST_TIME, LAST_TIME, to_iso

__all__ = ["END", "END_SECOND", "FIRST_SECOND", "out_of_range", "shown_number"]

FIRST_SECOND = int(FIRST_TIME.timestamp())  # 0: 1970-01-01T00:00:00Z, the first one accepted
END_SECOND = int(LAST_TIME.timestamp())  # 9000-01-01T00:00:00Z, the first one no longer accepted
END = to_iso(LAST_TIME)
_RANGE = f"from {to_iso(FIRST_TIME)} to before {END}"
_UNITS = ((1e3, "milliseconds"), (1e6, "microseconds"), (1e9, "nanoseconds"))


def _unit_hint(seconds: float | None) -> str:
    """Which finer unit since the epoch puts ``seconds`` back in the range, if one does."""
    if seconds is None or not math.isfinite(seconds) or seconds < END_SECOND:
        return ""
    for factor, name in _UNITS:
        if seconds / factor < END_SECOND:
            return f" (looks like {name} since the epoch; give seconds)"
    return ""


def out_of_range(shown: str, number: float | None, *, more: int = 0) -> str:
    """The message for a time outside the range, written as ``shown``: ``number`` when it was
    written as a number (which may hint at a unit). ``more`` later rows are outside it too."""
    text = f"{shown} is outside the supported range, {_RANGE}{_unit_hint(number)}"
    if more:
        text += f"; so {'is' if more == 1 else 'are'} {more} later row{'s' * (more > 1)}"
    return text


def shown_number(value: float) -> str:
    """A number as people write it: ``1767225610123``, not ``1.76723e+12``."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(value)

"""How large counts and weights may be, so that float64 sums stay exact.

Counts become float64 and the SLO maths takes window sums as differences of running sums.
float64 holds every whole number up to 2**53 exactly, so while each count and the file's total
stay within 2**53, every running sum of whole counts is exact and so is every window; beyond
it a large count swallows the small ones after it (1e19 then 1000s: the 1000s vanish and an
outage reads as "no data"), and near 1e308 the sums overflow to inf and nan. Fractional counts
stay within one event of exact under the same bound. The bound is checked on the parsed arrays
(a comparison and a sum: milliseconds on millions of rows) and, when it fails, a running sum
finds the row where the total passes it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from onshift.sources._rows import RowProblem

__all__ = ["MAX_COUNT", "SHOWN_MAX", "over_max", "total_over_max"]

MAX_COUNT = float(2**53)
SHOWN_MAX = "2**53 (9,007,199,254,740,992)"
_WHY = "float64 sums lose whole events beyond that"


def over_max(value: float, what: str) -> str:
    """The message for one count or weight larger than the bound."""
    return f"{what} {value:g} is larger than {SHOWN_MAX}; {_WHY}: count in larger units"


def total_over_max(values: npt.NDArray[np.float64], path: str, what: str) -> RowProblem | None:
    """A problem at the row where the running sum of ``values`` (each finite, ≥ 0 and at most
    the bound) passes the bound; ``None`` when the whole sum stays within it."""
    total = float(values.sum())
    if total <= MAX_COUNT:
        return None
    # Non-negative values: the running sum only grows, so a binary search finds the row.
    row = int(np.searchsorted(np.cumsum(values), MAX_COUNT, side="right"))
    message = (
        f"the {what} of the file add up to more than {SHOWN_MAX} by this line ({total:g} in "
        f"all); {_WHY}: count in larger units or split the file"
    )
    return RowProblem(row=min(row, len(values) - 1), path=path, message=message)

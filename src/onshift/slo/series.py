"""Count series: good and total events per uniform interval, and exact windowed sums.

Each row's timestamp is the END of its interval. Windowed sums are differences of cumulative
sums, so a long window is always sum(bad) / sum(total) over its rows (event-weighted), never an
average of ratios, and a window without traffic is "no data" (NaN inside numpy, ``None`` once
rendered) that cannot fire an alert nor poison any other window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

__all__ = ["CountSeries", "Cumulative", "WindowSums"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class WindowSums:
    """Bad and total events over a trailing window ending at every row."""

    window: timedelta
    bad: F64
    total: F64

    def error_ratio(self) -> F64:
        """bad / total; NaN where the window saw no traffic."""
        out: F64 = np.full(len(self.total), np.nan)
        np.divide(self.bad, self.total, out=out, where=self.total > 0)
        return out


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Cumulative:
    """Cumulative bad and total events with a leading 0 (``bad[i + 1]`` = rows 0…i)."""

    bad: F64
    total: F64
    exact: bool

    def sums_at(self, rows: int, index: int) -> tuple[float, float]:
        """Bad and total over the ``rows`` rows ending at row ``index``."""
        lo = max(0, index + 1 - rows)
        bad = float(self.bad[index + 1] - self.bad[lo])
        return (bad if self.exact else max(bad, 0.0)), float(self.total[index + 1] - self.total[lo])

    def trailing_into(self, rows: int, bad: F64, total: F64) -> None:
        """Fill ``bad`` and ``total`` with the trailing sums over ``rows`` rows at every row."""
        _trailing_into(self.bad, rows, bad, clamp=not self.exact)
        _trailing_into(self.total, rows, total, clamp=False)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CountSeries:
    """``end`` (Unix seconds, int64, strictly increasing by ``step_s``), ``good`` and ``total``."""

    end: I64
    good: F64
    total: F64
    step_s: int

    def __post_init__(self) -> None:
        n = len(self.end)
        if len(self.good) != n or len(self.total) != n:
            msg = "end, good and total must have the same length"
            raise ValueError(msg)
        if self.step_s < 1:
            msg = "the step must be at least 1 s"
            raise ValueError(msg)
        if n > 1 and not np.all(np.diff(self.end) == self.step_s):
            msg = f"rows must be exactly {self.step_s} s apart"
            raise ValueError(msg)

    @classmethod
    def from_arrays(
        cls,
        end: npt.ArrayLike,
        good: npt.ArrayLike,
        total: npt.ArrayLike,
        *,
        step_s: int,
    ) -> CountSeries:
        return cls(
            end=np.asarray(end, dtype=np.int64),
            good=np.asarray(good, dtype=np.float64),
            total=np.asarray(total, dtype=np.float64),
            step_s=step_s,
        )

    def __len__(self) -> int:
        return len(self.end)

    @property
    def step(self) -> timedelta:
        return timedelta(seconds=self.step_s)

    @property
    def bad(self) -> F64:
        return self.total - self.good

    def time_at(self, index: int) -> datetime:
        return datetime.fromtimestamp(int(self.end[index]), UTC)

    def index_at(self, moment: datetime) -> int:
        """Index of the last row whose interval ended at or before ``moment`` (−1 if none)."""
        ts = moment.timestamp()
        return int(np.searchsorted(self.end, ts, side="right")) - 1

    def rows(self, window: timedelta) -> int:
        """Rows in ``window``; the window must be a whole number of steps."""
        seconds = window / timedelta(seconds=1)
        rows = seconds / self.step_s
        if rows != int(rows) or rows < 1:
            msg = (
                f"the window {window} is not a whole number of {self.step_s} s steps; "
                "use data with a step that divides every alert window"
            )
            raise ValueError(msg)
        return int(rows)

    def cumulative(self) -> Cumulative:
        """Cumulative bad and total with a leading 0: the basis of every windowed sum."""
        bad = np.empty(len(self) + 1)
        total = np.empty(len(self) + 1)
        bad[0] = total[0] = 0.0
        np.cumsum(self.total - self.good, out=bad[1:])
        np.cumsum(self.total, out=total[1:])
        # Integer counts make cumulative sums exact (below 2**53): no residue to clamp.
        exact = bool(np.array_equal(bad, np.floor(bad))) and bool(
            np.array_equal(total, np.floor(total))
        )
        return Cumulative(bad=bad, total=total, exact=exact)

    def window_sums(self, window: timedelta, cumulative: Cumulative | None = None) -> WindowSums:
        """Trailing sums over ``window`` ending at every row (shorter at the start of data).

        Pass ``cumulative()`` when computing several windows, so it is computed once.
        """
        k = self.rows(window)
        cum = cumulative or self.cumulative()
        return WindowSums(
            window=window,
            bad=_trailing(cum.bad, k, clamp=not cum.exact),
            total=_trailing(cum.total, k, clamp=False),
        )

    def slice_to(self, index: int) -> CountSeries:
        """The rows up to and including ``index``."""
        return CountSeries(
            end=self.end[: index + 1],
            good=self.good[: index + 1],
            total=self.total[: index + 1],
            step_s=self.step_s,
        )


def _trailing_into(cum: F64, k: int, out: F64, *, clamp: bool) -> None:
    """out[i] = cum[i + 1] - cum[max(0, i + 1 - k)], without temporaries."""
    n = len(cum) - 1
    out[:] = cum[1:]
    if k < n:
        np.subtract(out[k:], cum[1 : n + 1 - k], out=out[k:])
    if clamp:
        # Float sums of non-integral weights can leave a -1e-13 residue where the truth is 0.
        np.maximum(out, 0.0, out=out)


def _trailing(cum: F64, k: int, *, clamp: bool) -> F64:
    out: F64 = np.empty(len(cum) - 1)
    _trailing_into(cum, k, out, clamp=clamp)
    return out

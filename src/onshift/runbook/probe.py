"""A :class:`~onshift.runbook.ports.HealthProbe` that reads burn rates from a file in the shape
of a Prometheus HTTP API query response.

The file is read again on every reading, so it can be kept current by anything that exports
burn rates (``curl …/api/v1/query?query=…``, the SLO engine, a drill script) or hold a scripted
series for a rehearsal. Each series is one burn rate; a ``window`` label (``5m``) says which
window it covers, and a file without that label serves its single series for every window.
A ``vector`` holds one sample per series, a ``matrix`` a series of them; the reading is the
newest sample at or before the requested time, and no reading (``None``) when that sample is
older than ``max_age``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from onshift.errors import SourceError
from onshift.units import format_duration, to_iso

__all__ = ["PrometheusFileProbe"]


class _Series(BaseModel):
    model_config = ConfigDict(extra="ignore")
    metric: dict[str, str] = {}
    value: tuple[float, str] | None = None
    values: list[tuple[float, str]] = []


class _Data(BaseModel):
    resultType: Literal["vector", "matrix"]  # noqa: N815 - the wire name
    result: list[_Series]


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["success"]
    data: _Data


def _roughly(span: timedelta) -> str:
    """``span`` in its largest whole unit, for a message (``20528d``, ``3h``, ``40s``)."""
    seconds = span.total_seconds()
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{round(seconds / size)}{unit}"
    return f"{max(1, round(seconds))}s"


class PrometheusFileProbe:
    def __init__(self, path: Path | str, *, max_age: timedelta = timedelta(minutes=5)) -> None:
        self.path = Path(path)
        self.max_age = max_age

    def _load(self) -> _Response:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"cannot read the probe file {self.path}: {exc.strerror or exc}"
            raise SourceError(msg) from exc
        try:
            return _Response.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            detail = f"{where}: {first['msg']}" if where else first["msg"]
            msg = f"the probe file {self.path} is not a Prometheus query response ({detail})"
            raise SourceError(msg) from None

    def _samples(self, window: timedelta) -> tuple[list[tuple[datetime, str]], list[str]]:
        """The samples for ``window`` and the window labels the file has."""
        series = self._load().data.result
        labelled = [s for s in series if "window" in s.metric]
        if labelled:
            series = [s for s in labelled if s.metric["window"] == format_duration(window)]
        elif len(series) > 1:
            msg = f"the probe file {self.path} holds several series and none has a window label"
            raise SourceError(msg)
        samples = [
            (datetime.fromtimestamp(ts, UTC), text)
            for s in series
            for ts, text in ([s.value] if s.value else s.values)
        ]
        return samples, sorted({s.metric["window"] for s in labelled})

    def why_no_reading(self, window: timedelta, at: datetime) -> str:
        """Why :meth:`burn_rate` has nothing for ``window`` at ``at``, for a person to fix."""
        samples, windows = self._samples(window)
        if not samples:
            return "no series for it (the file has windows: " + (", ".join(windows) or "none") + ")"
        seen = [t for t, _ in samples if t <= at]
        if not seen:
            first = min(t for t, _ in samples)
            return f"its samples start {_roughly(first - at)} from now (clocks skewed?)"
        newest = max(seen)
        if at - newest > self.max_age:
            return f"its newest sample ({to_iso(newest)}) is {_roughly(at - newest)} old"
        return "its newest sample is NaN (no data)"

    def burn_rate(self, window: timedelta, at: datetime) -> float | None:
        samples, _ = self._samples(window)
        seen = [(t, text) for t, text in samples if t <= at]
        if not seen:
            return None
        when, text = max(seen, key=lambda p: p[0])
        if at - when > self.max_age:
            return None
        try:
            value = float(text)
        except ValueError:
            msg = f"the probe file {self.path} holds a sample that is not a number: {text!r}"
            raise SourceError(msg) from None
        return None if math.isnan(value) else value  # NaN: Prometheus' "no data"

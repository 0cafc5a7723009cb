"""The shipped alert-window catalogues (``windows/*.yaml``), read as data, never typed in code."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from onshift.slo.model import AlertWindow, Severity
from onshift.specfile import StrictNumber, load_documents, parse_model
from onshift.units import parse_duration

__all__ = ["Catalogue", "catalogue_for_period", "catalogue_names", "load_catalogue"]


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Severity
    budget_percent: StrictNumber = Field(gt=0, le=100)
    long: str
    short: str


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str
    windows: list[_Window]


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class _AlertWindows(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apiVersion: str  # noqa: N815 - the wire name
    kind: str
    metadata: _Meta
    spec: _Spec


class Catalogue:
    """A named set of alert windows, and the SLO period it was designed for."""

    def __init__(self, name: str, period: timedelta, windows: tuple[AlertWindow, ...]) -> None:
        self.name = name
        self.period = period
        self.windows = windows


def catalogue_names() -> list[str]:
    folder = resources.files("onshift.slo").joinpath("windows")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def load_catalogue(name: str) -> Catalogue:
    """Load a shipped catalogue by name; ``KeyError`` if there is none of that name."""
    if name not in catalogue_names():
        raise KeyError(name)
    resource = resources.files("onshift.slo").joinpath("windows", f"{name}.yaml")
    (doc,) = load_documents(f"{name}.yaml", text=resource.read_text(encoding="utf-8"))
    model = parse_model(_AlertWindows, doc)
    windows = tuple(
        AlertWindow(
            severity=w.severity,
            budget_percent=Fraction(str(w.budget_percent)),
            long=parse_duration(w.long),
            short=parse_duration(w.short),
        )
        for w in model.spec.windows
    )
    return Catalogue(model.metadata.name, parse_duration(model.spec.period), windows)


def catalogue_for_period(period: timedelta) -> Catalogue:
    """The catalogue designed for ``period``; ``google-30d`` when none matches."""
    for name in catalogue_names():
        cat = load_catalogue(name)
        if cat.period == period:
            return cat
    return load_catalogue("google-30d")

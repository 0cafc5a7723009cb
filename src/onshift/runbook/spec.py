"""The runbook file format (``apiVersion: onshift/v1``, ``kind: Runbook``), parsed and linted
once at the edge. Errors stop a runbook from loading; warnings are printed and let it load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from onshift.errors import Problem, SpecError
from onshift.runbook.actions import check_args
from onshift.runbook.changes import JsonValue
from onshift.runbook.model import Approval, Match, Precondition, Runbook, SteadyState, Step, Verify
from onshift.runbook.registry import ActionRegistry
from onshift.specfile import Document, PathElem, load_documents, parse_model
from onshift.units import parse_duration

__all__ = ["Lint", "check_runbook", "load_runbook"]

_NAME = r"^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$"
DEFAULT_EVERY = "30s"
DEFAULT_WORSE_FACTOR = 1.25


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Meta(_Strict):
    name: str = Field(min_length=1, pattern=_NAME)
    service: str = ""
    title: str = ""
    labels: dict[str, str] = {}


class _Match(_Strict):
    alerts: list[str] = []
    slos: list[str] = []
    symptoms: list[str] = []


class _Steady(_Strict):
    burn_rate_below: float = Field(gt=0)
    window: str


class _Verify(_Strict):
    burn_rate_below: float = Field(gt=0)
    window: str
    within: str
    every: str = DEFAULT_EVERY
    worse_factor: float = Field(default=DEFAULT_WORSE_FACTOR, ge=1)


class _Precondition(_Strict):
    flags: dict[str, Any] = {}
    burn_rate_above: float | None = Field(default=None, ge=0)
    window: str | None = None


class _Step(_Strict):
    id: str = Field(min_length=1, pattern=_NAME)
    description: str = ""
    action: str = Field(min_length=1)
    args: dict[str, Any] = {}
    verify: _Verify | None = None
    precondition: _Precondition | None = None
    blast_radius: list[int | float] = []
    approval: Approval = Approval.NONE
    irreversible: bool = False


class _Spec(_Strict):
    description: str = ""
    match: _Match = _Match()
    steady_state: _Steady
    steps: list[_Step] = Field(min_length=1)


class _RunbookDoc(_Strict):
    apiVersion: Literal["onshift/v1"]  # noqa: N815 - the wire name
    kind: Literal["Runbook"]
    metadata: _Meta
    spec: _Spec


@dataclass(frozen=True, slots=True, kw_only=True)
class Lint:
    """The outcome of checking a runbook file: the runbook when there are no errors."""

    runbook: Runbook | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


class _Checker:
    def __init__(self, doc: Document, registry: ActionRegistry) -> None:
        self.doc = doc
        self.registry = registry
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: list[PathElem], message: str) -> None:
        self.errors.append(self.doc.problem(path, message))

    def warn(self, path: list[PathElem], message: str) -> None:
        self.warnings.append(self.doc.problem(path, message))

    def duration(self, path: list[PathElem], text: str) -> timedelta:
        try:
            return parse_duration(text)
        except ValueError as exc:
            self.error(path, str(exc))
            return timedelta(seconds=1)

    def json_args(self, path: list[PathElem], args: dict[str, Any]) -> dict[str, JsonValue] | None:
        """``args`` as JSON values, or ``None`` after reporting each value that is not one
        (YAML reads ``2026-01-31`` as a date and ``.nan`` as a float JSON cannot hold)."""
        out: dict[str, JsonValue] = {}
        ok = True
        for key, value in args.items():
            try:
                out[key] = json.loads(json.dumps(value, allow_nan=False))
            except (TypeError, ValueError):
                ok = False
                kind = type(value).__name__
                self.error(
                    [*path, key],
                    f"must be a plain JSON value (string, number, boolean, list, mapping), "
                    f"got a {kind}; quote it to pass text",
                )
        return out if ok else None

    def verify(self, path: list[PathElem], wire: _Verify) -> Verify | None:
        window = self.duration([*path, "window"], wire.window)
        within = self.duration([*path, "within"], wire.within)
        every = self.duration([*path, "every"], wire.every)
        if every > within:
            self.error([*path, "every"], "must not be longer than 'within'")
            return None
        if within < window:
            self.warn(
                [*path, "within"],
                f"the {wire.window} burn-rate window still holds minutes from before the step "
                f"when it is checked within {wire.within}; a working step may look like a failure",
            )
        return Verify(
            burn_rate_below=wire.burn_rate_below,
            window=window,
            within=within,
            every=every,
            worse_factor=wire.worse_factor,
        )

    def step(self, i: int, wire: _Step, seen: set[str]) -> Step | None:
        path: list[PathElem] = ["spec", "steps", i]
        if wire.id in seen:
            self.error([*path, "id"], f"step id {wire.id!r} is used twice")
        seen.add(wire.id)
        if not wire.description.strip():
            self.warn([*path, "description"], "say what this step does for the human reading it")
        json_args = self.json_args([*path, "args"], wire.args)
        args = json_args or {}
        verify = None
        if wire.verify is None:
            self.error(
                [*path, "verify"],
                "missing verify: say how to tell the step helped "
                "(e.g. burn_rate_below: 1, window: 5m, within: 10m)",
            )
        else:
            verify = self.verify([*path, "verify"], wire.verify)
        precondition = self.precondition([*path, "precondition"], wire.precondition)
        if wire.irreversible and wire.approval is not Approval.REQUIRED:
            self.error([*path, "irreversible"], "an irreversible step needs approval: required")
        if wire.action not in self.registry:
            self.error([*path, "action"], self.registry.unknown_message(wire.action))
        else:
            self.action_checks(path, wire, args, check=json_args is not None)
        if verify is None or precondition is False:
            return None
        try:
            return Step(
                id=wire.id,
                description=wire.description.strip(),
                action=wire.action,
                args=args,
                verify=verify,
                precondition=precondition,
                blast_radius=tuple(wire.blast_radius),
                approval=wire.approval,
                irreversible=wire.irreversible,
            )
        except ValueError:
            return None  # already reported above with its field path

    def action_checks(
        self, path: list[PathElem], wire: _Step, args: dict[str, JsonValue], *, check: bool
    ) -> None:
        action = self.registry.get(wire.action)
        radius = action.radius_param
        if wire.blast_radius:
            stages = wire.blast_radius
            if radius is None:
                self.error([*path, "blast_radius"], f"{action.id} has no blast radius to stage")
            elif radius in args:
                self.error([*path, "args", radius], "set by blast_radius; leave it out of args")
            if any(not 0 < r <= 100 for r in stages) or stages != sorted(set(stages)):
                self.error(
                    [*path, "blast_radius"], "stages are percentages that increase within (0, 100]"
                )
        staged = {**args, radius: wire.blast_radius[0]} if wire.blast_radius and radius else args
        for name, message in check_args(action, staged) if check else []:
            self.error([*path, "args", name] if name else [*path, "args"], message)
        if action.always_needs_approval and wire.approval is not Approval.REQUIRED:
            self.warn(
                [*path, "approval"],
                f"{action.id} always asks a human; write approval: required to say so",
            )
        if not action.reversible(args) and not wire.irreversible:
            self.error(
                path,
                f"missing undo: {action.id} cannot undo this step; give it an undo "
                "(exec: args.undo) or mark irreversible: true with approval: required",
            )
        if action.reversible(args) and wire.irreversible:
            self.warn([*path, "irreversible"], f"{action.id} undoes this step automatically")

    def precondition(
        self, path: list[PathElem], wire: _Precondition | None
    ) -> Precondition | Literal[False] | None:
        if wire is None:
            return None
        if (wire.burn_rate_above is None) != (wire.window is None):
            self.error(path, "burn_rate_above and window go together")
            return False
        if not wire.flags and wire.burn_rate_above is None:
            self.warn(path, "an empty precondition always holds")
        window = None if wire.window is None else self.duration([*path, "window"], wire.window)
        flags = self.json_args([*path, "flags"], wire.flags)
        if flags is None:
            return False
        return Precondition(flags=flags, burn_rate_above=wire.burn_rate_above, window=window)


def _unknown_actions(doc: Document, registry: ActionRegistry) -> list[Problem]:
    """Unknown actions in a document that did not parse, so that one pass reports them too."""
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    steps = spec.get("steps") if isinstance(spec, dict) else None
    problems: list[Problem] = []
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        action = step.get("action") if isinstance(step, dict) else None
        if isinstance(action, str) and action and action not in registry:
            path: list[PathElem] = ["spec", "steps", i, "action"]
            problems.append(doc.problem(path, registry.unknown_message(action)))
    return problems


def _check(doc: Document, registry: ActionRegistry) -> Lint:
    try:
        wire = parse_model(_RunbookDoc, doc)
    except SpecError as exc:
        problems = [*exc.problems, *_unknown_actions(doc, registry)]
        problems.sort(key=lambda p: p.line or 0)
        return Lint(runbook=None, errors=tuple(problems), warnings=())
    checker = _Checker(doc, registry)
    spec = wire.spec
    if not (spec.match.alerts or spec.match.slos or spec.match.symptoms):
        checker.warn(["spec", "match"], "names no alert, SLO or symptom: never suggested")
    steady_window = checker.duration(["spec", "steady_state", "window"], spec.steady_state.window)
    seen: set[str] = set()
    steps = [checker.step(i, s, seen) for i, s in enumerate(spec.steps)]
    healthy = spec.steady_state.burn_rate_below
    for i, wire_step in enumerate(spec.steps):
        if wire_step.verify is not None and wire_step.verify.burn_rate_below > healthy:
            checker.warn(
                ["spec", "steps", i, "verify", "burn_rate_below"],
                f"above the steady state's {healthy:g}: this step can verify while the "
                "service is still unhealthy by this runbook's own definition",
            )
    runbook = None
    if not checker.errors:
        runbook = Runbook(
            name=wire.metadata.name,
            title=wire.metadata.title or wire.metadata.name,
            description=spec.description.strip(),
            service=wire.metadata.service,
            match=Match(
                alerts=tuple(spec.match.alerts),
                slos=tuple(spec.match.slos),
                symptoms=tuple(spec.match.symptoms),
            ),
            steady_state=SteadyState(
                burn_rate_below=spec.steady_state.burn_rate_below, window=steady_window
            ),
            steps=tuple(s for s in steps if s is not None),
        )
    return Lint(runbook=runbook, errors=tuple(checker.errors), warnings=tuple(checker.warnings))


def check_runbook(path: Path | str, registry: ActionRegistry, *, text: str | None = None) -> Lint:
    """Lint a runbook file; a file that is not YAML raises :class:`SpecError`."""
    docs = load_documents(path, text=text)
    if len(docs) != 1:
        raise SpecError.single(
            f"a runbook file holds one document, found {len(docs)}", file=str(path)
        )
    return _check(docs[0], registry)


def load_runbook(path: Path | str, registry: ActionRegistry, *, text: str | None = None) -> Runbook:
    """The runbook in ``path``; every error in it raises one :class:`SpecError`."""
    lint = check_runbook(path, registry, text=text)
    if lint.runbook is None:
        raise SpecError(lint.errors)
    return lint.runbook

"""Actions: what a runbook step can do, each declaring its arguments and its inverse.

An action is pure: ``plan`` turns the target's current state and the step's arguments into a
:class:`~onshift.runbook.changes.Change`, and ``invert`` says how to take that change back
(``None`` when it cannot be taken back). The executor carries changes out; actions never touch a
target themselves, so undo(apply(s)) == s is a property of values that tests can check.

An action may also say which of its arguments conflict whatever the target holds (``from``
equal to ``to``), by implementing :class:`ArgConflicts`; :func:`check_args` reports those too,
so ``runbook check`` and loading a runbook catch them before a run would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from onshift.runbook.changes import Change, JsonValue, Patch, State, restore_patch

__all__ = [
    "Action",
    "ArgConflicts",
    "Args",
    "Param",
    "ParamType",
    "StateAction",
    "check_args",
]

Args = Mapping[str, JsonValue]


class ParamType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ARGV = "argv"
    ANY = "any"


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    name: str
    type: ParamType
    required: bool = True
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None


@runtime_checkable
class Action(Protocol):
    """One registered action. ``id`` is stable: runbooks and journals refer to it."""

    @property
    def id(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def params(self) -> tuple[Param, ...]: ...

    @property
    def radius_param(self) -> str | None:
        """The argument a step's ``blast_radius`` stages set (a percentage), if any."""

    @property
    def always_needs_approval(self) -> bool: ...

    def reversible(self, args: Args) -> bool: ...

    def plan(self, state: State, args: Args) -> Change:
        """The change to make; raises ``ValueError`` when the state does not allow it."""

    def invert(self, before: State, change: Change, args: Args) -> Change | None: ...

    def describe(self, args: Args) -> str: ...


@runtime_checkable
class ArgConflicts(Protocol):
    """Optional for an action: the arguments that contradict each other or can never make a
    change, as (argument name or "", message), one per conflict. ``args`` may hold values of
    the wrong type (reported by :func:`check_args` already): only judge the ones that fit."""

    def conflicts(self, args: Args) -> list[tuple[str, str]]: ...


def _type_ok(kind: ParamType, value: JsonValue) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    checks = {
        ParamType.STRING: isinstance(value, str) and value != "",
        ParamType.NUMBER: number,
        ParamType.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        ParamType.BOOLEAN: isinstance(value, bool),
        ParamType.ARGV: isinstance(value, list)
        and bool(value)
        and all(isinstance(a, str) and a for a in value),
        ParamType.ANY: True,
    }
    return checks[kind]


_EXPECTED = {
    ParamType.STRING: "a non-empty string",
    ParamType.NUMBER: "a number",
    ParamType.INTEGER: "an integer",
    ParamType.BOOLEAN: "true or false",
    ParamType.ARGV: "a non-empty list of strings (an argv, never a shell string)",
    ParamType.ANY: "any value",
}


def check_args(action: Action, args: Args) -> list[tuple[str, str]]:
    """Every problem with ``args`` for ``action`` as (argument name or "", message)."""
    problems: list[tuple[str, str]] = []
    known = {p.name: p for p in action.params}
    for name in args:
        if name not in known:
            expected = ", ".join(sorted(known)) or "no arguments"
            problems.append((name, f"unknown argument of {action.id} (expected: {expected})"))
    for param in action.params:
        if param.name not in args:
            if param.required:
                problems.append((param.name, f"required argument of {action.id} is missing"))
            continue
        value = args[param.name]
        if not _type_ok(param.type, value):
            problems.append((param.name, f"expected {_EXPECTED[param.type]}, got {value!r}"))
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if param.minimum is not None and value < param.minimum:
                problems.append((param.name, f"must be at least {param.minimum:g}"))
            if param.maximum is not None and value > param.maximum:
                problems.append((param.name, f"must be at most {param.maximum:g}"))
    if isinstance(action, ArgConflicts):
        problems.extend(action.conflicts(args))
    return problems


class StateAction:
    """Base for actions that patch target keys: the inverse restores what was there before."""

    id = ""
    summary = ""
    params: tuple[Param, ...] = ()
    radius_param: str | None = None
    always_needs_approval = False

    def reversible(self, args: Args) -> bool:  # noqa: ARG002 - the Action signature
        return True

    def plan(self, state: State, args: Args) -> Change:
        raise NotImplementedError

    def invert(  # the Action signature
        self,
        before: State,
        change: Change,
        args: Args,  # noqa: ARG002
    ) -> Change | None:
        if not isinstance(change, Patch):
            msg = f"{self.id} planned a command; a state action can only invert patches"
            raise TypeError(msg)
        return restore_patch(before, change)

    def describe(self, args: Args) -> str:  # noqa: ARG002 - the Action signature
        return self.summary

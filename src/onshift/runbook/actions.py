"""Actions: what a runbook step can do, each declaring its arguments and its inverse.

An action is pure: ``plan`` turns the target's current state and the step's arguments into a
:class:`~onshift.runbook.changes.Change`, and ``invert`` says how to take that change back
(``None`` when it cannot be taken back). The executor carries changes out; actions never touch a
target themselves, so undo(apply(s)) == s is a property of values that tests can check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from onshift.runbook.changes import Change, Command, JsonValue, Patch, State, restore_patch

__all__ = [
    "BUILTIN_ACTIONS",
    "Action",
    "Args",
    "DeployRollback",
    "Exec",
    "FlagSet",
    "Param",
    "ParamType",
    "Scale",
    "StateAction",
    "TrafficShift",
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


def _str(args: Args, name: str, default: str = "") -> str:
    value = args.get(name, default)
    return value if isinstance(value, str) else default


def _number(value: JsonValue) -> float | int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


class FlagSet(StateAction):
    id = "flag.set"
    summary = "Set a flag or config value (fallback_model, retries, timeout_s, circuit_breaker …)"
    params = (
        Param(name="key", type=ParamType.STRING, description="the flag's key"),
        Param(name="value", type=ParamType.ANY, description="the value to set"),
    )

    def plan(self, state: State, args: Args) -> Change:  # noqa: ARG002 - the Action signature
        return Patch(values={_str(args, "key"): args.get("value")})

    def describe(self, args: Args) -> str:
        return f"set {_str(args, 'key')} to {json.dumps(args.get('value'), ensure_ascii=False)}"


class TrafficShift(StateAction):
    id = "traffic.shift"
    summary = "Shift a share of traffic (percentage points) from one model provider to another"
    params = (
        Param(name="from", type=ParamType.STRING, description="provider losing traffic"),
        Param(name="to", type=ParamType.STRING, description="provider gaining traffic"),
        Param(
            name="percent",
            type=ParamType.NUMBER,
            description="points of total traffic to move",
            minimum=0,
            maximum=100,
        ),
        Param(
            name="prefix",
            type=ParamType.STRING,
            required=False,
            description="key prefix of the weights (default 'traffic.')",
        ),
    )
    radius_param = "percent"

    def plan(self, state: State, args: Args) -> Change:
        prefix = _str(args, "prefix", "traffic.")
        src, dst = prefix + _str(args, "from"), prefix + _str(args, "to")
        if src == dst:
            msg = "'from' and 'to' name the same provider"
            raise ValueError(msg)
        have = _number(state.get(src, 0))
        gets = _number(state.get(dst, 0))
        percent = _number(args.get("percent")) or 0
        if have is None or gets is None:
            msg = f"{src} and {dst} must hold numbers (traffic weights in percent)"
            raise ValueError(msg)
        moved = min(percent, have)
        if moved <= 0:
            msg = f"{src} carries no traffic to shift"
            raise ValueError(msg)
        return Patch(values={src: have - moved, dst: gets + moved})

    def describe(self, args: Args) -> str:
        share = f"{args['percent']} % of " if "percent" in args else ""
        return f"shift {share}traffic from {_str(args, 'from')} to {_str(args, 'to')}"


class DeployRollback(StateAction):
    id = "deploy.rollback"
    summary = "Roll the deployed version back (to the previous one unless told which)"
    params = (
        Param(name="to_version", type=ParamType.STRING, required=False),
        Param(name="key", type=ParamType.STRING, required=False, description="'deploy.version'"),
        Param(
            name="previous_key",
            type=ParamType.STRING,
            required=False,
            description="'deploy.previous_version'",
        ),
    )

    def plan(self, state: State, args: Args) -> Change:
        key = _str(args, "key", "deploy.version")
        previous_key = _str(args, "previous_key", "deploy.previous_version")
        current = state.get(key)
        target = args.get("to_version", state.get(previous_key))
        if not isinstance(current, str) or not isinstance(target, str):
            msg = f"need a current version in {key} and a version to roll back to"
            raise ValueError(msg)
        if target == current:
            msg = f"{key} is already {current!r}"
            raise ValueError(msg)
        return Patch(values={key: target, previous_key: current})

    def describe(self, args: Args) -> str:
        to = _str(args, "to_version") or "the previous version"
        return f"roll the deploy back to {to}"


class Scale(StateAction):
    id = "scale"
    summary = "Scale capacity (replicas) to a number or by a step"
    params = (
        Param(name="replicas", type=ParamType.INTEGER, required=False, minimum=1),
        Param(name="by", type=ParamType.INTEGER, required=False),
        Param(name="key", type=ParamType.STRING, required=False, description="'capacity.replicas'"),
    )

    def plan(self, state: State, args: Args) -> Change:
        key = _str(args, "key", "capacity.replicas")
        replicas, by = args.get("replicas"), args.get("by")
        if (replicas is None) == (by is None):
            msg = "give exactly one of 'replicas' and 'by'"
            raise ValueError(msg)
        if isinstance(replicas, int):
            return Patch(values={key: replicas})
        current = state.get(key)
        if not isinstance(current, int) or isinstance(current, bool) or not isinstance(by, int):
            msg = f"{key} must hold an integer to scale by a step"
            raise ValueError(msg)
        if current + by < 1:
            msg = f"scaling {key} by {by} would leave {current + by} replicas"
            raise ValueError(msg)
        return Patch(values={key: current + by})

    def describe(self, args: Args) -> str:
        if "replicas" in args:
            return f"scale to {args['replicas']} replicas"
        return f"scale by {args.get('by')} replicas"


class Exec:
    """Run an argv (never a shell string); its inverse is the ``undo`` argv when given."""

    id = "exec"
    summary = "Run a command (argv list); undone by its 'undo' argv; always needs approval"
    params = (
        Param(name="argv", type=ParamType.ARGV),
        Param(name="undo", type=ParamType.ARGV, required=False),
        Param(name="timeout_s", type=ParamType.NUMBER, required=False, minimum=0.001),
    )
    radius_param: str | None = None
    always_needs_approval = True

    def reversible(self, args: Args) -> bool:
        return "undo" in args

    @staticmethod
    def _command(argv: JsonValue, args: Args) -> Command:
        timeout = _number(args.get("timeout_s", 60.0)) or 60.0
        parts = argv if isinstance(argv, list) else []
        return Command(argv=tuple(str(a) for a in parts), timeout_s=float(timeout))

    def plan(self, state: State, args: Args) -> Change:  # noqa: ARG002 - the Action signature
        return self._command(args.get("argv"), args)

    def invert(  # the Action signature
        self,
        before: State,  # noqa: ARG002
        change: Change,  # noqa: ARG002
        args: Args,
    ) -> Change | None:
        if "undo" not in args:
            return None
        return self._command(args["undo"], args)

    def describe(self, args: Args) -> str:
        argv = args.get("argv")
        return "run " + " ".join(str(a) for a in argv) if isinstance(argv, list) else "run"


BUILTIN_ACTIONS: tuple[Action, ...] = (FlagSet(), TrafficShift(), DeployRollback(), Scale(), Exec())

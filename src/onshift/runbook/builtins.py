"""The built-in actions, for the reliability patterns an AI service has: flags and config
values, traffic between model providers, deploy rollback, capacity, and commands (``exec``).

They register exactly as plugins do (see :mod:`onshift.runbook.registry`).
"""

from __future__ import annotations

import json

from onshift.runbook.actions import Action, Args, Param, ParamType, StateAction
from onshift.runbook.changes import Change, Command, JsonValue, Patch, State

__all__ = ["BUILTIN_ACTIONS", "DeployRollback", "Exec", "FlagSet", "Scale", "TrafficShift"]


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

    def conflicts(self, args: Args) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        src = args.get("from")
        if isinstance(src, str) and src and src == args.get("to"):
            out.append(("to", f"'from' and 'to' name the same provider ({src!r}): nothing moves"))
        if _number(args.get("percent")) == 0:
            out.append(("percent", "must be more than 0: shifting 0 % moves no traffic"))
        return out

    def describe(self, args: Args) -> str:
        share = f"{args['percent']} % of " if "percent" in args else ""
        return f"shift {share}traffic from {_str(args, 'from')} to {_str(args, 'to')}"


_VERSION_KEY = "deploy.version"
_PREVIOUS_KEY = "deploy.previous_version"


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
        key = _str(args, "key", _VERSION_KEY)
        previous_key = _str(args, "previous_key", _PREVIOUS_KEY)
        current = state.get(key)
        target = args.get("to_version", state.get(previous_key))
        if not isinstance(current, str) or not isinstance(target, str):
            msg = f"need a current version in {key} and a version to roll back to"
            raise ValueError(msg)
        if target == current:
            msg = f"{key} is already {current!r}"
            raise ValueError(msg)
        return Patch(values={key: target, previous_key: current})

    def conflicts(self, args: Args) -> list[tuple[str, str]]:
        key = _str(args, "key", _VERSION_KEY)
        if key != _str(args, "previous_key", _PREVIOUS_KEY):
            return []
        name = "previous_key" if "previous_key" in args else "key"
        why = f"'key' and 'previous_key' name the same flag ({key!r}): the rollback would "
        return [(name, why + "write the current version straight back")]

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

    def conflicts(self, args: Args) -> list[tuple[str, str]]:
        if "replicas" in args and "by" in args:
            return [("by", "give exactly one of 'replicas' and 'by', not both")]
        if "replicas" not in args and "by" not in args:
            return [("", "give exactly one of 'replicas' (a count) and 'by' (a step)")]
        return []

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

"""What a step does to the world, as data: a patch of target keys or a command to run.

Both kinds are plain values so that the journal can store them before they are carried out and
a later ``rollback`` can carry out their inverse from the file alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias, Union

__all__ = [
    "Change",
    "Command",
    "JsonValue",
    "Patch",
    "State",
    "apply_patch",
    "change_from_json",
    "change_to_json",
    "holds",
    "restore_patch",
]

JsonValue: TypeAlias = Union[  # noqa: UP007 - a recursive alias needs the Union spelling
    str, int, float, bool, list["JsonValue"], dict[str, "JsonValue"], None
]
State: TypeAlias = Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True, kw_only=True)
class Patch:
    """Set some keys of a target and remove others; every other key is left alone."""

    values: Mapping[str, JsonValue] = field(default_factory=dict)
    remove: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        both = set(self.values) & set(self.remove)
        if both:
            msg = f"a patch cannot both set and remove {sorted(both)}"
            raise ValueError(msg)

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.values, *self.remove)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """An argv list to run (never a shell string)."""

    argv: tuple[str, ...]
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.argv or any(not isinstance(a, str) for a in self.argv):
            msg = "a command needs a non-empty argv of strings"
            raise ValueError(msg)
        if self.timeout_s <= 0:
            msg = "a command timeout must be positive"
            raise ValueError(msg)


Change: TypeAlias = Patch | Command


def apply_patch(state: State, patch: Patch) -> dict[str, JsonValue]:
    """The state after ``patch``; keys keep their position, new keys go last."""
    out = dict(state)
    out.update(patch.values)
    for key in patch.remove:
        out.pop(key, None)
    return out


def restore_patch(before: State, patch: Patch) -> Patch:
    """The patch that puts back every key ``patch`` touches as it was in ``before``."""
    values = {k: before[k] for k in patch.keys if k in before}
    remove = tuple(k for k in patch.keys if k not in before)
    return Patch(values=values, remove=remove)


def _same(a: JsonValue, b: JsonValue) -> bool:
    """Equal as JSON: ``true`` is not ``1`` and ``1`` is not ``1.0``, unlike in Python."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def holds(state: State, patch: Patch) -> bool:
    """Whether ``state`` already is what ``patch`` would make it, on the keys it touches."""
    sets = all(k in state and _same(state[k], v) for k, v in patch.values.items())
    return sets and not any(k in state for k in patch.remove)


def change_to_json(change: Change) -> dict[str, JsonValue]:
    if isinstance(change, Patch):
        return {"kind": "patch", "set": dict(change.values), "remove": list(change.remove)}
    return {"kind": "command", "argv": list(change.argv), "timeout_s": change.timeout_s}


def change_from_json(data: Mapping[str, JsonValue]) -> Change:
    """Inverse of :func:`change_to_json`; raises ``ValueError`` on anything else."""
    kind = data.get("kind")
    if kind == "patch":
        values = data.get("set", {})
        remove = data.get("remove", [])
        if not isinstance(values, dict) or not isinstance(remove, list):
            msg = "a patch needs an object 'set' and a list 'remove'"
            raise ValueError(msg)
        if any(not isinstance(k, str) for k in remove):
            msg = "'remove' must list key names"
            raise ValueError(msg)
        return Patch(values=values, remove=tuple(str(k) for k in remove))
    if kind == "command":
        argv = data.get("argv")
        timeout = data.get("timeout_s", 60.0)
        if not isinstance(argv, list) or any(not isinstance(a, str) for a in argv):
            msg = "a command needs 'argv', a list of strings"
            raise ValueError(msg)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            msg = "'timeout_s' must be a number"
            raise ValueError(msg)
        return Command(argv=tuple(str(a) for a in argv), timeout_s=float(timeout))
    msg = f"unknown change kind {kind!r} (expected 'patch' or 'command')"
    raise ValueError(msg)

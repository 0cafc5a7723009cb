"""The action registry: actions by stable ID; built-ins register the way plugins do.

Plugins are entry points in the group ``onshift.actions``: the entry point's name is the
action's ID and it loads an :class:`~onshift.runbook.actions.Action` (or a class / zero-argument
factory returning one). A plugin that cannot be imported, does not build an action, has a
different ID than its entry point name, or reuses a taken ID fails loudly at load.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from onshift.errors import InputError, NotFoundError
from onshift.runbook.actions import Action
from onshift.runbook.builtins import BUILTIN_ACTIONS

__all__ = ["ENTRY_POINT_GROUP", "ActionRegistry", "default_registry"]

ENTRY_POINT_GROUP = "onshift.actions"


class ActionRegistry:
    """Actions keyed by their stable ID."""

    def __init__(self, actions: Iterable[Action] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for action in actions:
            self.register(action)

    def register(self, action: Action) -> None:
        if not isinstance(action, Action):
            msg = f"{action!r} is not an action (see onshift.runbook.Action)"
            raise TypeError(msg)
        if not action.id:
            msg = f"{action!r} has an empty id"
            raise ValueError(msg)
        if action.id in self._actions:
            msg = f"an action with id {action.id!r} is already registered"
            raise ValueError(msg)
        self._actions[action.id] = action

    def get(self, action_id: str) -> Action:
        try:
            return self._actions[action_id]
        except KeyError:
            raise NotFoundError(self.unknown_message(action_id)) from None

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._actions

    def ids(self) -> list[str]:
        return sorted(self._actions)

    def unknown_message(self, action_id: str) -> str:
        text = f"unknown action {action_id!r}"
        hint = difflib.get_close_matches(action_id, self.ids(), n=1)
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        return f"{text} (registered: {', '.join(self.ids())})"

    def load_plugins(self, points: Iterable[EntryPoint]) -> None:
        for point in sorted(points, key=lambda p: p.name):
            where = f"entry point {point.name!r} = {point.value!r} in {ENTRY_POINT_GROUP}"
            try:
                loaded: Any = point.load()
            except Exception as exc:
                raise InputError.single(f"{where} cannot be loaded: {exc!r}") from exc
            action = loaded
            if isinstance(loaded, type) or (callable(loaded) and not isinstance(loaded, Action)):
                try:
                    action = loaded()
                except Exception as exc:
                    raise InputError.single(f"{where} failed to build its action: {exc!r}") from exc
            if not isinstance(action, Action):
                raise InputError.single(f"{where} does not provide an onshift action")
            if action.id != point.name:
                raise InputError.single(f"{where} provides an action whose id is {action.id!r}")
            try:
                self.register(action)
            except ValueError as exc:
                raise InputError.single(f"{where}: {exc}") from exc


def default_registry(points: Iterable[EntryPoint] | None = None) -> ActionRegistry:
    """The built-in actions plus every installed plugin (or ``points`` when given)."""
    registry = ActionRegistry(BUILTIN_ACTIONS)
    registry.load_plugins(entry_points(group=ENTRY_POINT_GROUP) if points is None else points)
    return registry

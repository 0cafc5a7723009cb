"""Reading YAML spec files at the edge: documents with line numbers, pydantic validation, and
one :class:`~onshift.errors.Problem` per thing wrong (file, line, field path, what was expected).

The core never sees what this module returns except through each format's own mapper to domain
types.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError

from onshift.errors import Problem, SpecError

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "StrictBool",
    "StrictNumber",
    "for_each_document",
    "format_path",
    "load_documents",
    "parse_model",
    "problems_from_validation",
]

M = TypeVar("M", bound=BaseModel)
PathElem = str | int

# pydantic's lax mode reads ``true`` as 1 and the string "99.9" as a number, and "yes" or 0 as
# a boolean: in a spec file these are mistakes to report, not values to guess at.
StrictNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A YAML int or float (not a bool, not a quoted string, not .nan or .inf)."""
StrictBool = Annotated[bool, Field(strict=True)]
"""A YAML boolean (not 0/1, not a quoted "false")."""


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file, with the node tree kept for locating fields."""

    file: str
    index: int
    data: Any
    node: yaml.Node

    def line_of(self, path: Sequence[PathElem]) -> int | None:
        """1-based line of the deepest node found along ``path`` (the parent for a missing key)."""
        node: yaml.Node = self.node
        for elem in path:
            child = _child(node, elem)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def problem(self, path: Sequence[PathElem], message: str) -> Problem:
        return Problem(
            file=self.file, line=self.line_of(path), path=format_path(path), message=message
        )


def _child(node: yaml.Node, elem: PathElem) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(elem, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == elem:
                return value  # type: ignore[no-any-return]
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(elem, int)
        and 0 <= elem < len(node.value)
    ):
        return node.value[elem]  # type: ignore[no-any-return]
    return None


def format_path(path: Sequence[PathElem]) -> str:
    out = ""
    for elem in path:
        if isinstance(elem, int):
            out += f"[{elem}]"
        else:
            out += f".{elem}" if out else elem
    return out


def _duplicate_keys(file: str, node: yaml.Node, path: list[PathElem]) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                problems.append(
                    Problem(
                        file=file,
                        line=key.start_mark.line + 1,
                        path=format_path([*path, name]),
                        message="this key appears twice in the same mapping; keep one",
                    )
                )
            seen.add(name)
            problems.extend(_duplicate_keys(file, value, [*path, name]))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems.extend(_duplicate_keys(file, item, [*path, i]))
    return problems


MAX_NODES = 100_000
"""The most values a document may hold once its aliases are expanded (a long runbook or
schedule holds a few thousand)."""
MAX_DEPTH = 100
"""The deepest nesting of mappings and lists a document may have."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expansion(root: yaml.Node) -> tuple[int, int] | yaml.Node:
    """(values, depth) of a document with its aliases expanded, counted once per distinct
    node and given up as soon as either is over its bound; or the node that contains itself."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > MAX_NODES or depth[key] > MAX_DEPTH:
                return size[key], depth[key]
        elif key in on_path:  # reached again while expanding itself: &a [*a]
            return node
        elif key not in size:
            on_path.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in _children(node))
    return size[id(root)], depth[id(root)]


def _too_big(file: str, root: yaml.Node) -> Problem | None:
    """A document that expands beyond :data:`MAX_NODES` values (eight nested levels of ten
    aliases, a "billion laughs", kept ``slo check`` busy past 100 s), refers to itself, or nests
    deeper than :data:`MAX_DEPTH`."""
    found = _expansion(root)
    if isinstance(found, yaml.Node):
        message = (
            "an alias refers to the value that contains it; a spec cannot be recursive: "
            "write the value out"
        )
        return Problem(file=file, line=found.start_mark.line + 1, message=message)
    values, depth = found
    if values > MAX_NODES:
        message = (
            f"this document holds more than {MAX_NODES} values once its aliases (*name) are "
            "expanded; nested aliases multiply (a 'billion laughs'): write the values out or "
            "use fewer aliases"
        )
    elif depth > MAX_DEPTH:
        message = f"this document nests mappings and lists more than {MAX_DEPTH} deep"
    else:
        return None
    return Problem(file=file, line=root.start_mark.line + 1, message=message)


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _unconstructable(
    loader: yaml.SafeLoader, file: str, node: yaml.Node, path: list[PathElem]
) -> list[Problem]:
    """The scalars YAML resolves to a date or time but cannot build, with where they are."""
    if isinstance(node, yaml.MappingNode):
        out: list[Problem] = []
        for key, value in node.value:
            out.extend(_unconstructable(loader, file, value, [*path, str(key.value)]))
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            p
            for i, item in enumerate(node.value)
            for p in _unconstructable(loader, file, item, [*path, i])
        ]
    if isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
        try:
            loader.construct_yaml_timestamp(node)
        except ValueError as exc:
            message = f"not a valid date or time {node.value!r}: {exc}"
            line = node.start_mark.line + 1
            return [Problem(file=file, line=line, path=format_path(path), message=message)]
    return []


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader (YAML 1.1) reading numbers as YAML 1.2 does as well: ``1e-300``,
    ``5e-324`` and ``99.9e0`` (an exponent without a dot or without a sign) and ``-.5`` are
    numbers, not the strings YAML 1.1 makes of them."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?\.[0-9]+)$"),
    list("-+0123456789."),
)


def _read(path: Path | str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError.single("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError.single(f"cannot read the file: {exc}", file=str(path)) from exc


def load_documents(path: Path | str, *, text: str | None = None) -> list[Document]:
    """Every non-empty YAML document in ``path``; a syntax error becomes a :class:`SpecError`."""
    file = str(path)
    loader = _Loader(_read(path) if text is None else text)
    docs: list[Document] = []
    problems: list[Problem] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            too_big = _too_big(file, node)
            if too_big is not None:  # expanding it, even to look for duplicate keys, never ends
                raise SpecError([*problems, too_big])
            problems.extend(_duplicate_keys(file, node, []))
            try:
                data = loader.construct_document(node)
            except ValueError as exc:  # e.g. a date that does not exist: 2026-02-30
                found = _unconstructable(loader, file, node, [])
                raise SpecError(found or [Problem(file=file, message=str(exc))]) from exc
            if data is not None:
                docs.append(Document(file=file, index=index, data=data, node=node))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        raise SpecError.single(f"not valid YAML: {what}", file=file, line=line) from exc
    except yaml.YAMLError as exc:
        raise SpecError.single(f"not valid YAML: {exc}", file=file) from exc
    except RecursionError:  # the YAML reader recurses once per level of nesting
        message = f"this file nests mappings and lists more than {MAX_DEPTH} deep"
        raise SpecError.single(message, file=file) from None
    finally:
        loader.dispose()
    if problems:
        raise SpecError(problems)
    if not docs:
        raise SpecError.single("the file holds no YAML document", file=file)
    return docs


def for_each_document(paths: Iterable[Path | str], handle: Callable[[Document], None]) -> None:
    """Call ``handle`` on every document of every file, then raise one :class:`SpecError`
    with every problem found in any file or document (reading goes on past a bad one)."""
    problems: list[Problem] = []
    for path in paths:
        try:
            docs = load_documents(path)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        for doc in docs:
            try:
                handle(doc)
            except SpecError as exc:
                problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation can hold (through Optional, list, dict values)."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return [annotation]
    out: list[Any] = []
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset, typing.Union, types.UnionType):
        for arg in args:
            out.extend(_unwrap(arg))
    elif origin is dict and args:
        out.extend(_unwrap(args[-1]))
    elif origin is typing.Annotated and args:
        out.extend(_unwrap(args[0]))
    return out


def _allowed_fields(model: type[BaseModel], loc: Sequence[PathElem]) -> list[str]:
    current: list[type[BaseModel]] = [model]
    for elem in loc:
        if isinstance(elem, int):
            continue
        nxt: list[type[BaseModel]] = []
        for cls in current:
            for name, field in cls.model_fields.items():
                if elem in (name, field.alias):
                    nxt.extend(
                        c
                        for c in _unwrap(field.annotation)
                        if isinstance(c, type) and issubclass(c, BaseModel)
                    )
        if not nxt:
            return []
        current = nxt
    names: list[str] = []
    for cls in current:
        names.extend(field.alias or name for name, field in cls.model_fields.items())
    return sorted(set(names))


def _message(
    err: Any, model: type[BaseModel], loc: Sequence[PathElem], *, quoted: bool = False
) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1])
        name = str(loc[-1]) if loc else ""
        hint = difflib.get_close_matches(name, allowed, n=1)
        text = "unknown field"
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        if allowed:
            text += f" (expected one of: {', '.join(allowed)})"
        return text
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    msg = re.sub(r" or instance of _?\w+", "", msg)  # our wire classes mean nothing to a user
    value = err.get("input")
    if isinstance(value, str | int | float | bool) and kind not in ("value_error",):
        msg += f" (got {value!r})"
    if kind in ("float_type", "int_type", "bool_type") and isinstance(value, str) and quoted:
        msg += "; write it without quotes" if _unquoted_would_do(value, kind) else ""
    return msg


def _unquoted_would_do(text: str, kind: str) -> bool:
    if kind == "bool_type":
        return text.lower() in ("true", "false")
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@dataclass(slots=True)
class _Located:
    """One pydantic error with union member tags taken out of its location."""

    index: int  # pydantic's order, kept in what is reported
    err: Any
    path: list[PathElem]
    unions: list[int]  # lengths of ``path`` at which a union member tag was dropped


def _node_at(root: yaml.Node, path: Sequence[PathElem]) -> yaml.Node | None:
    node: yaml.Node | None = root
    for elem in path:
        node = _child(node, elem) if node is not None else None
    return node


def _locate(index: int, err: Any, doc: Document, prefix: Sequence[PathElem]) -> _Located:
    """Drop the names pydantic gives union members (``str``, ``list[_Window]``, ``_Toggle``):
    they are not keys of the file. A key the file lacks is kept only as a missing field."""
    loc: list[PathElem] = [e for e in err["loc"] if isinstance(e, str | int)]
    path: list[PathElem] = []
    unions: list[int] = []
    for i, elem in enumerate(loc):
        if isinstance(elem, str):
            parent = _node_at(doc.node, [*prefix, *path])
            missing_key = (
                isinstance(parent, yaml.MappingNode)
                and i == len(loc) - 1
                and err.get("type") == "missing"
            )
            if parent is not None and _child(parent, elem) is None and not missing_key:
                unions.append(len(path))
                continue
        path.append(elem)
    return _Located(index=index, err=err, path=path, unions=unions)


def _collapse(items: list[_Located], depth: int = 0) -> list[_Located]:
    """One error per union: the branch the value's shape entered, or one merged message."""
    out: list[_Located] = []
    groups: dict[tuple[PathElem, ...], list[_Located]] = {}
    for item in items:
        if len(item.unions) <= depth:
            out.append(item)
        else:
            groups.setdefault(tuple(item.path[: item.unions[depth]]), []).append(item)
    for key, group in groups.items():
        deeper = [item for item in group if len(item.path) > len(key)]
        if len(group) == 1:  # not a union after all (a dict key's '[key]'): as pydantic said
            out.extend(_collapse(group, depth + 1))
            continue
        if deeper:
            out.extend(_collapse(deeper, depth + 1))
            continue
        wanted = [str(item.err.get("msg", "")).removeprefix("Input should be ") for item in group]
        first = dict(group[0].err)
        first["msg"] = "Input should be " + " or ".join(dict.fromkeys(wanted))
        first["type"] = "union"
        out.append(
            _Located(
                index=group[0].index,
                err=first,
                path=group[0].path,
                unions=group[0].unions[:depth],
            )
        )
    return out


def problems_from_validation(
    exc: ValidationError, doc: Document, model: type[BaseModel], prefix: Sequence[PathElem] = ()
) -> list[Problem]:
    located = [_locate(i, err, doc, prefix) for i, err in enumerate(exc.errors())]
    problems = []
    for item in sorted(_collapse(located), key=lambda item: item.index):
        full = [*prefix, *item.path]
        node = _node_at(doc.node, full)
        # Only a value the file quoted is one that "write it without quotes" would fix.
        quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
        problems.append(doc.problem(full, _message(item.err, model, item.path, quoted=quoted)))
    return problems


def parse_model(
    model: type[M], doc: Document, *, data: Any = None, prefix: Sequence[PathElem] = ()
) -> M:
    """Validate ``doc.data`` (or ``data`` found at ``prefix``) as ``model``."""
    payload = doc.data if data is None else data
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise SpecError(problems_from_validation(exc, doc, model, prefix)) from None

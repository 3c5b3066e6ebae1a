"""Resource paths and query options of SensorThings URLs (`Things(1)/Datastreams?$top=5`). Pure.

Errors reuse `filtering.FilterError` (400) and `filtering.Unsupported` (501).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from riverchief.sensorthings.filtering import FilterError, Unsupported, gettext_noop

SYSTEM_OPTIONS = ("$filter", "$orderby", "$top", "$skip", "$count", "$select", "$expand")

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z$][\w$]*)(?:\((?P<key>\d+|'(?:[^']|'')*')\))?$")
_ORDER_ITEM = re.compile(r"^(?P<path>[A-Za-z_@][\w@./]*)(?:\s+(?P<dir>asc|desc))?$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_@][\w@./]*$")


@dataclass(frozen=True)
class Segment:
    name: str
    key: int | str | None = None


def parse_path(path: str) -> list[Segment]:
    """`Datastreams(1)/Observations` → [Segment('Datastreams', 1), Segment('Observations')]."""
    segments: list[Segment] = []
    for part in _split_top(path.strip("/"), "/"):
        match = _SEGMENT.match(part)
        if match is None:
            raise FilterError(
                gettext_noop("The resource path segment “%(segment)s” cannot be read."),
                {"segment": part[:60]},
            )
        raw = match.group("key")
        key: int | str | None = None
        if raw is not None:
            key = int(raw) if raw.isdigit() else raw[1:-1].replace("''", "'")
            if isinstance(key, int) and key >= 2**63:
                key = str(key)  # no such id: answered 404, never a database overflow
        segments.append(Segment(match.group("name"), key))
    return segments


def _split_top(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise FilterError(gettext_noop("A parenthesis is closed that was never opened."))
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0 or quoted:
        raise FilterError(gettext_noop("A parenthesis or quote is not closed."))
    parts.append("".join(current))
    return parts


def parse_int(name: str, raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 15:
        raise FilterError(
            gettext_noop("%(option)s must be a whole number of zero or more, not “%(value)s”."),
            {"option": name, "value": raw[:40]},
        )
    return int(text)


def parse_count(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise FilterError(
            gettext_noop("$count must be true or false, not “%(value)s”."), {"value": raw[:40]}
        )
    return value == "true"


def parse_orderby(raw: str) -> list[tuple[tuple[str, ...], bool]]:
    """`phenomenonTime desc, id` → [(('phenomenonTime',), True), (('id',), False)]."""
    items = []
    for part in _split_top(raw, ","):
        text = part.strip()
        if "(" in text:
            raise Unsupported(gettext_noop("Functions are not supported in $orderby."))
        match = _ORDER_ITEM.match(text)
        if match is None:
            raise FilterError(
                gettext_noop("$orderby cannot read “%(item)s”; write a property and asc or desc."),
                {"item": text[:60]},
            )
        direction = (match.group("dir") or "asc").lower()
        items.append((tuple(match.group("path").split("/")), direction == "desc"))
    return items


def parse_select(raw: str) -> list[str]:
    names = [part.strip() for part in _split_top(raw, ",")]
    for name in names:
        if not _NAME.match(name) or "/" in name:
            raise Unsupported(
                gettext_noop("$select supports plain property names only, not “%(item)s”."),
                {"item": name[:60]},
            )
    return names


@dataclass
class Expand:
    """One navigation property to expand, its own query options and its nested expansions."""

    name: str
    options: dict[str, str] = field(default_factory=dict)
    children: list[Expand] = field(default_factory=list)


_EXPAND_STEP = re.compile(r"^(?P<name>[A-Za-z]\w*)(?:\((?P<options>.*)\))?$", re.DOTALL)


def parse_expand(raw: str) -> list[Expand]:
    """`Datastreams($top=2;$expand=Sensor)/ObservedProperty,Locations` → a tree of Expand."""
    roots: list[Expand] = []
    for item in _split_top(raw, ","):
        siblings = roots
        for step in _split_top(item.strip(), "/"):
            match = _EXPAND_STEP.match(step.strip())
            if match is None:
                raise FilterError(
                    gettext_noop("$expand cannot read “%(item)s”."), {"item": step[:60]}
                )
            options = _expand_options(match.group("options") or "")
            node = next((e for e in siblings if e.name == match.group("name")), None)
            if node is None:
                node = Expand(match.group("name"))
                siblings.append(node)
            node.options.update(options)
            siblings = node.children
    return roots


def _expand_options(raw: str) -> dict[str, str]:
    options: dict[str, str] = {}
    if not raw.strip():
        return options
    for part in _split_top(raw, ";"):
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals:
            raise FilterError(
                gettext_noop("$expand option “%(item)s” has no value."), {"item": part[:60]}
            )
        if name not in SYSTEM_OPTIONS:
            raise Unsupported(
                gettext_noop("The query option “%(option)s” is not supported."), {"option": name}
            )
        options[name] = value.strip()
    return options

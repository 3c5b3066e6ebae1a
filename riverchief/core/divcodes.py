"""China's statistical division codes (统计用区划代码): pure functions, no Django.

A code has 12 digits: province 2, city 2, county 2, township 3, village 3. A division's code is
its parent's code with its own part filled in, so a subtree is a range of codes. People write codes
short ("140826" for 绛县, "140826101" for 横水镇); `normalize` accepts those and pads them.
"""

from __future__ import annotations

import functools
from enum import IntEnum

LENGTH = 12


class Level(IntEnum):
    """Division levels; the value is the number of significant digits."""

    PROVINCE = 2
    CITY = 4
    COUNTY = 6
    TOWNSHIP = 9
    VILLAGE = 12


_ENDS: tuple[int, ...] = tuple(level.value for level in Level)


class InvalidCode(ValueError):
    """A code that is not a division code; the message says why."""


def normalize(code: str) -> str:
    """Return the 12-digit form of a full or short code; raise InvalidCode otherwise."""
    text = str(code).strip()
    if not text.isdigit() or not text.isascii():
        raise InvalidCode(f"division code must be digits only: {code!r}")
    if len(text) not in _ENDS:
        raise InvalidCode(f"division code must have 2, 4, 6, 9 or 12 digits: {code!r}")
    full = text.ljust(LENGTH, "0")
    if full[:2] == "00":
        raise InvalidCode(f"division code has no province part: {code!r}")
    return full


@functools.lru_cache(maxsize=8192)  # asked for the same few codes on every row of a page
def level_of(code: str) -> Level:
    """The level of a 12-digit code: the last part that is not all zeros."""
    full = normalize(code)
    start = 0
    found = Level.PROVINCE
    for level in Level:
        part = full[start : level.value]
        if part.strip("0"):
            found = level
        start = level.value
    return found


def short(code: str) -> str:
    """The significant digits of a code: "140826101000" -> "140826101"."""
    full = normalize(code)
    return full[: level_of(full).value]


def parent(code: str) -> str | None:
    """The 12-digit code of the parent division, or None for a province."""
    level = level_of(code)
    if level is Level.PROVINCE:
        return None
    previous = _ENDS[_ENDS.index(level.value) - 1]
    return normalize(code)[:previous].ljust(LENGTH, "0")


def county_code(code: str) -> str:
    """The 12-digit code of the county holding a division; a division at or above county level
    is its own."""
    full = normalize(code)
    if level_of(full) <= Level.COUNTY:
        return full
    return full[: Level.COUNTY.value].ljust(LENGTH, "0")


def ancestors(code: str) -> list[str]:
    """12-digit codes from the province down to the parent."""
    chain: list[str] = []
    current = parent(code)
    while current is not None:
        chain.append(current)
        current = parent(current)
    return list(reversed(chain))


@functools.lru_cache(maxsize=8192)
def subtree_bounds(code: str) -> tuple[str, str]:
    """Lowest and highest 12-digit code in the subtree of `code`, itself included."""
    significant = short(code)
    return significant.ljust(LENGTH, "0"), significant.ljust(LENGTH, "9")


def contains(outer: str, inner: str) -> bool:
    """True when `inner` lies in the subtree of `outer` (or is `outer`)."""
    low, high = subtree_bounds(outer)
    return low <= normalize(inner) <= high

"""Seeded input generators, one per type of ``ALLOWED_TYPES``: edge cases first (empty,
zero, negative, duplicates, long), then random values of modest size.

Sizes stay modest on purpose: a chain feeds one atom's output into the next, and an atom
that builds a list of length ``n`` from an input of 10^6 would turn a valid composite into
a timeout. Values are plain JSON data (lists, not tuples), ready to be case arguments.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

_WORDS = (
    "apple", "banana", "cherry", "delta", "echo", "fox", "gamma", "hello", "iris", "java",
    "kilo", "lima", "moon", "nova", "oak", "pear", "quiz", "rose", "sun", "tree",
)  # fmt: skip
_CHARS = "abcdeABCDE xyz019,.-:;!?"


def _int(rng: random.Random) -> int:
    return rng.choice((rng.randint(-20, 20), rng.randint(-500, 500), rng.randint(0, 2000)))


def _float(rng: random.Random) -> float:
    return round(rng.uniform(-100, 100), 2)


def _str(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 5)))
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(1, 14)))


def _list(item: Callable[[random.Random], Any], longest: int = 10) -> Callable[[random.Random], list[Any]]:
    def make(rng: random.Random) -> list[Any]:
        return [item(rng) for _ in range(rng.randint(1, longest))]

    return make


def _small_int(rng: random.Random) -> int:
    return rng.randint(-9, 30)


def _matrix(rng: random.Random) -> list[list[int]]:
    rows, cols = rng.randint(1, 4), rng.randint(1, 4)
    if rng.random() < 0.3:  # ragged rows: an edge case for matrix atoms that take any rows
        return [[_small_int(rng) for _ in range(rng.randint(0, 4))] for _ in range(rows)]
    return [[_small_int(rng) for _ in range(cols)] for _ in range(rows)]


def _counts(rng: random.Random) -> dict[str, int]:
    keys = rng.sample(_WORDS, rng.randint(1, 5))
    return {k: rng.randint(-3, 12) for k in keys}


#: Edge cases of each type, in the order they are used.
EDGES: dict[str, list[Any]] = {
    "int": [0, 1, -7, 12, 100, 1024],
    "float": [0.0, 1.5, -2.25, 100.0],
    "str": ["", "a", "Hello World", "aabbcc", "racecar", "the quick brown fox jumps over the lazy dog"],
    "bool": [False, True],
    "list[int]": [[], [0], [3, -1, 4, 1, -5, 9], [2, 2, 2, 7, 7], list(range(20, 0, -1))],
    "list[float]": [[], [0.0], [1.5, -2.0, 3.25], [2.0, 2.0, 0.5]],
    "list[str]": [[], [""], ["apple", "banana", "apple"], ["b", "a", "c", "a", "ab"]],
    "list[bool]": [[], [True], [True, False, False, True]],
    "list[list[int]]": [[], [[]], [[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[5], [-1, 0, 2]]],
    "dict[str, int]": [{}, {"a": 0}, {"apple": 3, "pear": 3, "fig": -1}, {"x": 5, "y": 1, "z": 9}],
}

_RANDOM: dict[str, Callable[[random.Random], Any]] = {
    "int": _int,
    "float": _float,
    "str": _str,
    "bool": lambda rng: rng.random() < 0.5,
    "list[int]": _list(_int),
    "list[float]": _list(_float),
    "list[str]": _list(lambda rng: rng.choice(_WORDS), 7),
    "list[bool]": _list(lambda rng: rng.random() < 0.5),
    "list[list[int]]": _matrix,
    "dict[str, int]": _counts,
}

TYPES: frozenset[str] = frozenset(EDGES)


def random_value(type_: str, rng: random.Random) -> Any:
    """One random value of ``type_`` (a string of ``ALLOWED_TYPES``)."""
    return _RANDOM[type_](rng)


def values_for(type_: str, count: int, rng: random.Random) -> list[Any]:
    """``count`` values of ``type_``: its edge cases first, then random values."""
    edges = EDGES[type_]
    out = list(edges[:count])
    while len(out) < count:
        out.append(random_value(type_, rng))
    return out

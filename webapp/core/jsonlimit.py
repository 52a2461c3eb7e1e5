"""JSON from users with a nesting limit: uploads (benchmark and atom imports) and form fields
(the atom editor's cases).

``json.loads`` recurses once per level, so text nested 100,000 deep raises ``RecursionError``,
which no ``except ValueError`` catches: the request ended in a 500. :func:`loads` measures
the depth first, without recursing, and refuses deep text with :class:`JSONDepthError`, a
``json.JSONDecodeError`` whose ``lineno``, ``colno`` and ``msg`` name the place, so every
caller reports it exactly as it reports any other JSON mistake. (The sandbox has its own
small copy, ``sandbox.jsonlimit``: it imports nothing from the web side.)
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: Far deeper than any atom, case or benchmark record, far below the interpreter's limit.
MAX_DEPTH = 64

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_STRING, re.DOTALL)
_TOKENS = re.compile(_STRING + r"|[\[\]{}]", re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONDepthError(json.JSONDecodeError):
    """The text nests deeper than :data:`MAX_DEPTH` (a ``ValueError``, like bad JSON)."""


def too_deep_at(text: str, max_depth: int = MAX_DEPTH) -> int | None:
    """The offset of the first bracket past ``max_depth`` levels, or ``None``. Linear: the
    common case runs in C (drop strings, keep brackets, running sum); only a refusal walks
    the brackets in Python to find the place."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets or max(accumulate(map(_DELTA.__getitem__, brackets))) <= max_depth:
        return None
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return len(text)  # unbalanced strings; json.loads would refuse it anyway


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted text: :class:`JSONDepthError` past ``max_depth`` levels,
    ``json.JSONDecodeError`` for bad JSON, ``UnicodeDecodeError`` for bytes that are not UTF-8."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    pos = too_deep_at(text, max_depth)
    if pos is not None:
        raise JSONDepthError(f"nested deeper than {max_depth} levels", text, pos)
    return json.loads(text)

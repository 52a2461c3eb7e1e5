"""JSON with a nesting limit, for bodies that come from the network.

``json.loads`` recurses once per level: a body nested 100,000 deep raises ``RecursionError``
(not ``ValueError``), which a server turns into a dropped connection, and a body nested
just under the interpreter's limit breaks whatever walks the value next. :func:`loads`
measures the depth first, with a regular expression that skips over strings, so the check
is linear and never recurses. The web app has its own copy of this idea
(``webapp.core.jsonlimit``): the sandbox imports nothing from the web side.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: Deep enough for any real judge request (tagged values nest two levels per container).
MAX_DEPTH = 100
# A string (with its escapes) or one bracket; everything else is skipped by the engine.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONDepthError(ValueError):
    """The text nests deeper than allowed; the message names the line and column."""


def depth_problem(text: str, max_depth: int = MAX_DEPTH) -> str | None:
    """``None`` when ``text`` nests at most ``max_depth`` levels, else a message such as
    ``"line 1, column 101: JSON nested deeper than 100 levels"``."""
    # Fast path, all in C: drop strings, keep brackets, take the running sum's maximum.
    brackets = _BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets or max(accumulate(map(_DELTA.__getitem__, brackets))) <= max_depth:
        return None
    depth = 0
    for match in _TOKENS.finditer(text):  # slow path, only to say where
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                pos = match.start()
                line = text.count("\n", 0, pos) + 1
                column = pos - text.rfind("\n", 0, pos)
                return f"line {line}, column {column}: JSON nested deeper than {max_depth} levels"
        elif token in ("]", "}"):
            depth -= 1
    return f"JSON nested deeper than {max_depth} levels"


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting beyond ``max_depth`` with :class:`JSONDepthError`
    (a ``ValueError``), and bad UTF-8 or bad JSON with ``ValueError`` as usual."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    problem = depth_problem(text, max_depth)
    if problem is not None:
        raise JSONDepthError(problem)
    return json.loads(text)

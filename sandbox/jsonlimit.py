"""JSON with a nesting limit, for text from outside: the sandbox service's request bodies and,
on the web side (which imports this module), uploads (benchmark and atom imports) and form
fields (the atom editor's cases).

``json.loads`` recurses once per level: a body nested 100,000 deep raises ``RecursionError``
(not ``ValueError``), which a server turns into a dropped connection or a 500, and a body
nested just under the interpreter's limit breaks whatever walks the value next. :func:`loads`
measures the depth first, with a regular expression that skips over strings, so the check is
linear and never recurses, and refuses deep text with :class:`JSONDepthError`: a
``json.JSONDecodeError`` (so a ``ValueError``) whose ``lineno``, ``colno`` and ``msg`` name
the place, so every caller reports it exactly as it reports any other JSON mistake.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: Deep enough for any real judge request (tagged values nest two levels per container).
MAX_DEPTH = 100
#: What users upload or type (atoms, cases, benchmark records): far deeper than any of them,
#: far below the interpreter's limit.
UPLOAD_MAX_DEPTH = 64

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_STRING, re.DOTALL)
# A string (with its escapes) or one bracket; everything else is skipped by the engine.
_TOKENS = re.compile(_STRING + r"|[\[\]{}]", re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONDepthError(json.JSONDecodeError):
    """The text nests deeper than allowed. ``str()`` names the place for a reply as it stands
    (``"line 1, column 101: JSON nested deeper than 100 levels"``); ``msg``, ``lineno`` and
    ``colno`` are there for callers that word their own message."""

    def __str__(self) -> str:
        return f"line {self.lineno}, column {self.colno}: JSON {self.msg}"


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


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted text: :class:`JSONDepthError` past ``max_depth`` levels,
    ``json.JSONDecodeError`` for bad JSON, ``UnicodeDecodeError`` for bytes that are not UTF-8
    (all three are ``ValueError``)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    pos = too_deep_at(text, max_depth)
    if pos is not None:
        raise JSONDepthError(f"nested deeper than {max_depth} levels", text, pos)
    return json.loads(text)

"""Tagged JSON for the values that cross a sandbox boundary.

Only plain data crosses: ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, ``list``,
``tuple``, ``set``/``frozenset`` and ``dict``, checked by exact type, so a subclass with a
doctored ``__eq__`` (or anything else the candidate defines) is rejected instead of being
compared. JSON lacks some of these, so they are tagged with a one-key object:

    {"$tuple": [...]}   {"$set": [...]}   {"$dict": [[key, value], ...]}   {"$bytes": "hex"}
    {"$float": "nan" | "inf" | "-inf"}   {"$int": "hex"} (beyond JSON-safe digit counts)

A dict whose keys are all strings travels as a plain object unless it could be mistaken for
a tag. Problem records use the same form for arguments and expected values.
"""

from __future__ import annotations

import json
import math
from typing import Any

TAGS = frozenset({"$tuple", "$set", "$dict", "$bytes", "$float", "$int"})
MAX_DEPTH = 200
# Python refuses int<->str conversions past 4300 digits; hex has no such limit.
_BIG_INT_BITS = 13_000


class NonPlainValueError(TypeError):
    """A value is not plain data (custom type, cycle, too deep)."""


def encode(value: Any, depth: int = 0) -> Any:
    """Turn a plain value into tagged JSON data; raise ``NonPlainValueError`` otherwise."""
    if depth > MAX_DEPTH:
        raise NonPlainValueError("value nested too deeply (or cyclic)")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return {"$int": hex(value)} if value.bit_length() > _BIG_INT_BITS else value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode(v, depth + 1) for v in value]}
    if kind is set or kind is frozenset:
        return {"$set": [encode(v, depth + 1) for v in value]}
    if kind is bytes:
        return {"$bytes": value.hex()}
    if kind is dict:
        looks_tagged = len(value) == 1 and next(iter(value)) in TAGS
        if all(type(k) is str for k in value) and not looks_tagged:
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    raise NonPlainValueError(f"{kind.__module__}.{kind.__qualname__} is not plain data")


def decode(data: Any, hashable: bool = False, depth: int = 0) -> Any:
    """Turn tagged JSON data back into Python values (``ValueError`` when malformed).

    Inside sets and dict keys (``hashable``), lists become tuples and sets frozensets."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        items = [decode(v, hashable, depth + 1) for v in data]
        return tuple(items) if hashable else items
    if kind is not dict:
        raise ValueError(f"not JSON data: {kind.__name__}")
    if len(data) == 1:
        tag, inner = next(iter(data.items()))
        if tag in TAGS:
            return _decode_tag(tag, inner, hashable, depth)
    if hashable:
        raise ValueError("a dict cannot be a set element or a key")
    return {k: decode(v, False, depth + 1) for k, v in data.items()}


def _decode_tag(tag: str, inner: Any, hashable: bool, depth: int) -> Any:
    if tag == "$tuple" and isinstance(inner, list):
        return tuple(decode(v, hashable, depth + 1) for v in inner)
    if tag == "$set" and isinstance(inner, list):
        items = [decode(v, True, depth + 1) for v in inner]
        return frozenset(items) if hashable else set(items)
    if tag == "$dict" and isinstance(inner, list) and not hashable:
        out: dict[Any, Any] = {}
        for pair in inner:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise ValueError("$dict wants [key, value] pairs")
            out[decode(pair[0], True, depth + 1)] = decode(pair[1], False, depth + 1)
        return out
    if tag == "$bytes" and isinstance(inner, str):
        return bytes.fromhex(inner)
    if tag == "$float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "$int" and isinstance(inner, str):
        return int(inner, 16)
    raise ValueError(f"malformed {tag} value")


def dumps(value: Any) -> bytes:
    """Encode ``value`` and serialise it to compact JSON bytes."""
    return json.dumps(encode(value), separators=(",", ":"), allow_nan=False).encode()


def loads(raw: bytes | str) -> Any:
    """Parse JSON bytes and decode the tags."""
    return decode(json.loads(raw))

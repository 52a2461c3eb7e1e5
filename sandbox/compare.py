"""How the judge compares a candidate's value with the expected one (both decoded by
``sandbox.codec``, so neither side can carry a custom ``__eq__``).

Rules, chosen on purpose:
- ``bool`` only equals ``bool``: ``True`` is not ``1`` for the judge.
- ints, strings, bytes and ``None`` compare exactly; an int and a float compare numerically
  with the float rule (``3`` matches ``3.0``), because Python's own ``==`` does too.
- floats use ``math.isclose(rel_tol=1e-9, abs_tol=1e-9)``; NaN matches NaN, infinities
  match only themselves.
- lists and tuples are interchangeable sequences (JSON has no tuple, so a tuple-returning
  reference is often recorded as a list); elements compare with these same rules.
- a set matches only a set expectation (``{"$set": [...]}``); it never matches a list,
  whose order and duplicates a set cannot honour. Elements match exactly (with ``1 == 1.0``).
- dicts match when they have the same keys (exactly, as in sets) and values that match.
"""

from __future__ import annotations

import math
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-9


def values_equal(expected: Any, got: Any) -> bool:
    """Whether the candidate's ``got`` matches ``expected`` under the rules above."""
    exp_t, got_t = type(expected), type(got)
    if exp_t is bool or got_t is bool:
        return exp_t is got_t and expected == got
    if exp_t in (int, float) and got_t in (int, float):
        if exp_t is int and got_t is int:
            return bool(expected == got)
        return _floats_close(float(expected), float(got))
    if expected is None or exp_t in (str, bytes):
        return exp_t is got_t and expected == got
    if exp_t in (list, tuple):
        return (
            got_t in (list, tuple)
            and len(expected) == len(got)
            and all(values_equal(e, g) for e, g in zip(expected, got, strict=True))
        )
    if exp_t in (set, frozenset):
        return got_t in (set, frozenset) and _keys(expected) == _keys(got)
    if exp_t is dict:
        if got_t is not dict or len(expected) != len(got):
            return False
        got_by_key = {_key(k): v for k, v in got.items()}
        for key, value in expected.items():
            ck = _key(key)
            if ck not in got_by_key or not values_equal(value, got_by_key[ck]):
                return False
        return True
    return False


def _floats_close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _key(value: Any) -> Any:
    """A canonical, type-aware key: keeps ``True`` and ``1`` apart inside sets and keys."""
    kind = type(value)
    if kind is bool:
        return ("bool", value)
    if kind is float and math.isnan(value):
        return ("nan",)
    if kind in (int, float):
        return ("num", value)
    if kind in (tuple, list):
        return ("seq", tuple(_key(v) for v in value))
    if kind in (set, frozenset):
        return ("set", _keys(value))
    return (kind.__name__, value)


def _keys(values: Any) -> frozenset[Any]:
    return frozenset(_key(v) for v in values)

"""Validity as the paper defines it, on the sandbox's record of a composite's outputs: it
raises nothing, returns something other than ``None``, and gives different outputs for
different inputs. Also checked: every output has the declared return type and stays small
enough to store as an expected value.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sandbox.codec import decode
from sandbox.types import JudgeResult

#: Rejection reasons a run counts, in the order a page lists them.
REASONS: tuple[str, ...] = (
    "no_type_match",
    "too_many_params",
    "duplicate_chain",
    "raises",
    "timeout",
    "crashed",
    "returns_none",
    "wrong_type",
    "output_too_large",
    "constant_output",
    "duplicate_outputs",
)


def conforms(value: Any, type_: str) -> bool:
    """Whether a decoded value has type ``type_`` (one of ``ALLOWED_TYPES``)."""
    if type_ == "int":
        return type(value) is int
    if type_ == "float":
        return type(value) in (int, float)
    if type_ == "str":
        return type(value) is str
    if type_ == "bool":
        return type(value) is bool
    if type_ == "dict[str, int]":
        return type(value) is dict and all(type(k) is str and type(v) is int for k, v in value.items())
    if type_.startswith("list[") and type_.endswith("]"):
        return type(value) is list and all(conforms(v, type_[5:-1]) for v in value)
    return False


def rejection(
    result: JudgeResult, returns: str, *, max_output_chars: int, min_distinct_outputs: int
) -> str | None:
    """Why a composite's recorded run makes it invalid, or ``None`` when it is valid."""
    verdict = str(result.verdict)
    if verdict in ("timeout", "crashed"):
        return verdict
    if verdict != "passed" or any(c.error for c in result.cases):
        return "raises"
    outputs = [c.got for c in result.cases]
    if any(o is None for o in outputs):
        return "returns_none"
    try:
        if not all(conforms(decode(o), returns) for o in outputs):
            return "wrong_type"
    except ValueError:
        return "wrong_type"
    texts = [json.dumps(o, sort_keys=True) for o in outputs]
    if any(len(t) > max_output_chars for t in texts):
        return "output_too_large"
    if len(set(texts)) < min_distinct_outputs:
        return "constant_output"
    return None


def fingerprint(types: list[str], returns: str, outputs: list[Any]) -> str:
    """Identifies what a composite computes on the shared inputs of its signature: two
    composites with the same fingerprint give the same outputs on every one of them."""
    payload = json.dumps([types, returns, outputs], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()

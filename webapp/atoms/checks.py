"""Static checks of an atom's content, each attributed to the form field it is about, so the
editor can put a precise message next to that field.

The same facts as :func:`webapp.atoms.content.content_problems` (which validation records in
the verdict), phrased for an author: the line of a syntax error, the two signatures that
disagree, the case and argument that does not fit. Code is parsed with ``ast``, never run.
"""

from __future__ import annotations

from typing import Any

from webapp.atoms.content import Content
from webapp.atoms.library.spec import ALLOWED_TYPES, Param, signature_of

MIN_CASES = 6

FieldProblems = dict[str, list[str]]


def _sig(entry_point: str, params: list[Param], returns: str) -> str:
    args = ", ".join(f"{p.name}: {p.type}" if p.type else p.name for p in params)
    return f"def {entry_point}({args})" + (f" -> {returns}" if returns else "")


def _describe(value: Any) -> str:
    kinds = {
        bool: "a bool",
        int: "an int",
        float: "a float",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    return kinds.get(type(value), "null" if value is None else type(value).__name__)


def fits(value: Any, type_name: str) -> bool:
    """Whether a JSON value can stand for ``type_name`` (one of the allowed types)."""
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name.startswith("list[") and type_name.endswith("]"):
        inner = type_name[5:-1]
        return isinstance(value, list) and all(fits(v, inner) for v in value)
    if type_name == "dict[str, int]":
        return isinstance(value, dict) and all(fits(v, "int") for v in value.values())
    return True  # an unknown type is reported on its own; do not pile errors on the cases


def _code_problems(solution: str, entry_point: str, params: list[Param], returns: str) -> list[str]:
    if not solution.strip():
        return ["the reference solution is empty"]
    try:
        found = signature_of(solution, entry_point)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return [f"syntax error on {where}: {exc.msg}"]
    if found is None:
        return [f"the code defines no top-level function named {entry_point!r}"]
    code_params, code_returns = found
    if code_params != params or code_returns != returns:
        return [
            f"the code's signature {_sig(entry_point, code_params, code_returns)} does not match "
            f"the declared one {_sig(entry_point, params, returns)}"
        ]
    return []


def _case_problems(cases: list[dict[str, Any]], params: list[Param], returns: str) -> list[str]:
    out = []
    if len(cases) < MIN_CASES:
        out.append(f"{len(cases)} case{'s' if len(cases) != 1 else ''}; at least {MIN_CASES} are required")
    names = ", ".join(p.name for p in params)
    for i, case in enumerate(cases):
        args = case["args"]
        if len(args) != len(params):
            out.append(
                f"case {i}: {len(args)} argument{'s' if len(args) != 1 else ''}, "
                f"but the signature takes {len(params)} ({names})"
            )
            continue
        for p, value in zip(params, args, strict=True):
            if p.type in ALLOWED_TYPES and not fits(value, p.type):
                out.append(
                    f"case {i}: argument {p.name} should be {p.type}, got {_describe(value)} {value!r}"
                )
        if returns in ALLOWED_TYPES and not fits(case["expected"], returns):
            out.append(f"case {i}: expected should be {returns}, got {_describe(case['expected'])}")
    return out


def field_problems(content: Content) -> FieldProblems:
    """``{form field: [messages]}`` for everything static that is wrong with ``content``."""
    out: FieldProblems = {}
    params = [Param(p["name"], p["type"]) for p in content["params"]]
    returns, entry_point = content["returns"], content["entry_point"]
    bad_types = [p.type for p in params if p.type not in ALLOWED_TYPES]
    if bad_types:
        out["params"] = [f"type {t!r} is not one of the allowed types" for t in bad_types]
    if returns not in ALLOWED_TYPES:
        out["returns"] = [f"type {returns!r} is not one of the allowed types"]
    modify = content.get("modify") or {}
    for prefix, part in (("", content), ("modify_", modify)):
        for lang in ("en", "zh"):
            if not (part.get(f"prompt_{lang}") or "").strip():
                out.setdefault(f"{prefix}prompt_{lang}", []).append("this prompt is required")
        code = _code_problems(part.get("solution") or "", entry_point, params, returns)
        if code:
            out[f"{prefix}solution"] = code
        cases = _case_problems(part.get("cases") or [], params, returns)
        if cases:
            out[f"{prefix}cases"] = cases
    if not (modify.get("change") or "").strip():
        out["modify_change"] = ["say in one line what the variant changes"]
    return out

"""The one static checker of an atom's content: every problem that can be found without
running code, each attributed to the form field it is about.

Validation records the problems in the verdict (``str(problem)``: the field's label, then
the message), the editor shows each message next to its field, the import preview lists
them per line, and the library's own test runs it over every hand-written atom. Code is
parsed with ``ast``, never run; running the references against their cases is the
sandbox's job. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from webapp.atoms.content import Content
from webapp.atoms.library.spec import ALLOWED_TYPES, Param, signature_line, signature_of
from webapp.atoms.records import RecordError, check_slug

#: Fewest cases an atom or its variant may have: with fewer, a wrong solution too easily
#: passes by luck. The editor states it beside the case tables.
MIN_CASES = 6

#: How each field is named in a recorded problem (the editor shows the message next to the
#: field itself, so there it needs no label).
FIELD_LABELS: dict[str, str] = {
    "content": "content",
    "slug": "slug",
    "params": "parameters",
    "returns": "return type",
    "original_lang": "original language",
    "prompt_en": "English prompt",
    "prompt_zh": "Chinese prompt",
    "solution": "reference solution",
    "cases": "cases",
    "modify_change": "variant change",
    "modify_prompt_en": "variant English prompt",
    "modify_prompt_zh": "variant Chinese prompt",
    "modify_solution": "variant solution",
    "modify_cases": "variant cases",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an atom: the form field it is about and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{FIELD_LABELS.get(self.field, self.field)}: {self.message}"


FieldProblems = dict[str, list[str]]


def by_field(problems: Sequence[Problem]) -> FieldProblems:
    """``{field: [messages]}``, for putting each message next to its field."""
    out: FieldProblems = {}
    for p in problems:
        out.setdefault(p.field, []).append(p.message)
    return out


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


def _code_problems(solution: str, entry_point: str, params: list[Param], returns: str) -> Iterator[str]:
    if not solution.strip():
        yield "the solution is empty"
        return
    try:
        found = signature_of(solution, entry_point)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        yield f"syntax error on {where}: {exc.msg}"
        return
    if found is None:
        yield f"the code defines no top-level function named {entry_point!r}"
        return
    code_params, code_returns = found
    if code_params != params or code_returns != returns:
        yield (
            f"the code's signature {signature_line(entry_point, code_params, code_returns)} does not "
            f"match the declared one {signature_line(entry_point, params, returns)}"
        )


def _case_problems(cases: list[dict[str, Any]], params: list[Param], returns: str) -> Iterator[str]:
    if len(cases) < MIN_CASES:
        yield f"{len(cases)} case{'s' if len(cases) != 1 else ''}; at least {MIN_CASES} are required"
    names = ", ".join(p.name for p in params)
    for i, case in enumerate(cases):
        args = case["args"]
        if len(args) != len(params):
            yield (
                f"case {i}: {len(args)} argument{'s' if len(args) != 1 else ''}, "
                f"but the signature takes {len(params)} ({names})"
            )
            continue
        for p, value in zip(params, args, strict=True):
            if p.type in ALLOWED_TYPES and not fits(value, p.type):
                yield f"case {i}: argument {p.name} should be {p.type}, got {_describe(value)} {value!r}"
        if returns in ALLOWED_TYPES and not fits(case["expected"], returns):
            yield f"case {i}: expected should be {returns}, got {_describe(case['expected'])}"


def _problems(slug: str | None, content: Content) -> Iterator[Problem]:
    if slug is not None:
        try:
            check_slug(slug)
        except RecordError as exc:
            yield Problem("slug", str(exc))
    params = [Param(p["name"], p["type"]) for p in content["params"]]
    returns, entry_point = content["returns"], content["entry_point"]
    for t in [p.type for p in params if p.type not in ALLOWED_TYPES]:
        yield Problem("params", f"type {t!r} is not one of the allowed types")
    if returns not in ALLOWED_TYPES:
        yield Problem("returns", f"type {returns!r} is not one of the allowed types")
    if content.get("original_lang", "en") not in ("en", "zh"):
        yield Problem("original_lang", f"{content['original_lang']!r} is not 'en' or 'zh'")
    modify = content.get("modify") or {}
    for prefix, part in (("", content), ("modify_", modify)):
        if prefix and not (modify.get("change") or "").strip():
            yield Problem("modify_change", "say in one line what the variant changes")
        for lang in ("en", "zh"):
            if not (part.get(f"prompt_{lang}") or "").strip():
                yield Problem(f"{prefix}prompt_{lang}", "this prompt is required")
        for message in _code_problems(part.get("solution") or "", entry_point, params, returns):
            yield Problem(f"{prefix}solution", message)
        for message in _case_problems(part.get("cases") or [], params, returns):
            yield Problem(f"{prefix}cases", message)


def atom_problems(content: Content, *, slug: str | None = None) -> list[Problem]:
    """Everything static that is wrong with ``content`` (and ``slug``, when given); an empty
    list means none. Content too malformed to check is one problem on ``content``."""
    try:
        return list(_problems(slug, content))
    except (KeyError, TypeError, AttributeError) as exc:
        return [Problem("content", f"malformed content: {type(exc).__name__}: {exc}")]

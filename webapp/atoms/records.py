"""The atom record: one atom as one JSON object, the line format of import and export.

A record is the atom's slug beside its content (:mod:`webapp.atoms.content`), flat::

    {"slug": "digit_sum", "topic": "numbers", "entry_point": "digit_sum",
     "params": [{"name": "n", "type": "int"}], "returns": "int",
     "prompt_en": "...", "prompt_zh": "...", "original_lang": "en",
     "solution": "def digit_sum(n: int) -> int: ...",
     "cases": [{"args": [123], "expected": 6}, ...], "difficulty": 1, "tags": ["digits"],
     "modify": {"change": "...", "prompt_en": "...", "prompt_zh": "...",
                "solution": "...", "cases": [...]}}

Export writes exactly these keys, so an exported file imports back unchanged. Reading is
strict about *shape* (unknown keys, wrong types, malformed cases are refused with a reason,
because they cannot be stored), and leaves *quality* (a failing reference, too few cases, a
signature that does not match the code) to validation, which marks such an atom invalid
instead of refusing it, so a draft survives a round trip.

Nothing here touches the database.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

from sandbox import jsonlimit
from webapp.atoms.content import ATOM_FIELDS, VARIANT_FIELDS, Content

#: Fields a record may leave out, with the value they take.
DEFAULTS: dict[str, Any] = {"original_lang": "en", "difficulty": 1, "tags": []}
DIFFICULTIES: tuple[int, ...] = (1, 2, 3, 4, 5)
SLUG_MAX = 64
#: Slugs that would shadow a page under /atoms/ (the detail page is /atoms/<slug>/).
RESERVED_SLUGS = frozenset({"new", "import", "export", "review", "bulk", "validate"})
TOPIC_MAX = 32


class RecordError(ValueError):
    """A record (or one field of it) that cannot be stored; the message says why."""


def record_of(slug: str, content: Content) -> dict[str, Any]:
    """The record for one atom: its slug, then its content."""
    return {"slug": slug, **content}


def record_line(slug: str, content: Content) -> str:
    """One JSONL line (UTF-8 text kept readable, no trailing newline)."""
    return json.dumps(record_of(slug, content), ensure_ascii=False)


def check_slug(value: Any) -> str:
    """A slug is an ASCII Python identifier of at most 64 characters (it names the entry
    point and appears in URLs)."""
    if not isinstance(value, str) or not value:
        raise RecordError("slug is required")
    if not value.isascii():
        # Python accepts 数组求和 as an identifier, but URLs and file names want ASCII.
        raise RecordError(f"slug {value!r} must be ASCII: letters a-z, A-Z, digits and _ (e.g. sum_array)")
    if not value.isidentifier():
        raise RecordError(f"slug {value!r} is not a Python identifier (letters, digits, _)")
    if keyword.iskeyword(value):
        raise RecordError(f"slug {value!r} is a Python keyword, which cannot name a function")
    if value in RESERVED_SLUGS:
        raise RecordError(f"slug {value!r} is reserved (it names a page)")
    if len(value) > SLUG_MAX:
        raise RecordError(f"slug is {len(value)} characters; at most {SLUG_MAX}")
    return value


def check_cases(value: Any, *, label: str = "cases") -> list[dict[str, Any]]:
    """A list of ``{"args": [...], "expected": ...}`` objects, nothing else."""
    if not isinstance(value, list):
        raise RecordError(f'{label} must be a JSON list of {{"args": [...], "expected": ...}} objects')
    out = []
    for i, case in enumerate(value):
        if not isinstance(case, dict) or set(case) != {"args", "expected"}:
            raise RecordError(f"{label}[{i}] must be an object with exactly the keys args and expected")
        if not isinstance(case["args"], list):
            raise RecordError(f"{label}[{i}].args must be a list of arguments")
        out.append({"args": case["args"], "expected": case["expected"]})
    return out


def parse_cases_json(text: str, *, label: str = "cases") -> list[dict[str, Any]]:
    """Cases from JSON text; the error names the line and column of a JSON syntax error."""
    try:
        value = jsonlimit.loads(text, max_depth=jsonlimit.UPLOAD_MAX_DEPTH)
    except json.JSONDecodeError as exc:  # and JSONDepthError, its subclass
        raise RecordError(f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    return check_cases(value, label=label)


def check_params(value: Any) -> list[dict[str, str]]:
    """``[{"name": "xs", "type": "list[int]"}, ...]`` with identifier names, no repeats.

    Whether a type is one of the allowed ones is a quality check (validation reports it)."""
    if not isinstance(value, list):
        raise RecordError('params must be a list of {"name": ..., "type": ...} objects')
    names: set[str] = set()
    out = []
    for i, p in enumerate(value):
        if not isinstance(p, dict) or set(p) != {"name", "type"}:
            raise RecordError(f"params[{i}] must be an object with exactly the keys name and type")
        if not isinstance(p["name"], str) or not p["name"].isidentifier():
            raise RecordError(f"params[{i}].name {p['name']!r} is not a Python identifier")
        if not isinstance(p["type"], str) or not p["type"]:
            raise RecordError(f"params[{i}].type must be a type name such as 'int'")
        if p["name"] in names:
            raise RecordError(f"params[{i}].name {p['name']!r} is used twice")
        names.add(p["name"])
        out.append({"name": p["name"], "type": p["type"]})
    return out


def _str(obj: dict[str, Any], key: str, *, where: str = "", max_len: int | None = None) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise RecordError(f"{where}{key} must be a string")
    if max_len is not None and len(value) > max_len:
        raise RecordError(f"{where}{key} is {len(value)} characters; at most {max_len}")
    return value


def parse_record(obj: Any) -> tuple[str, Content]:
    """``(slug, content)`` from a decoded record; :class:`RecordError` says what is wrong."""
    if not isinstance(obj, dict):
        raise RecordError("a record must be a JSON object")
    allowed = {"slug", *ATOM_FIELDS, "modify"}
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise RecordError(f"unknown field {', '.join(repr(k) for k in unknown)}")
    missing = [k for k in ("slug", *ATOM_FIELDS, "modify") if k not in obj and k not in DEFAULTS]
    if missing:
        raise RecordError(f"missing field {', '.join(repr(k) for k in missing)}")
    slug = check_slug(obj["slug"])
    topic = _str(obj, "topic", max_len=TOPIC_MAX)
    if not topic:
        raise RecordError("topic must not be empty")
    entry_point = _str(obj, "entry_point", max_len=64)
    if not entry_point.isidentifier():
        raise RecordError(f"entry_point {entry_point!r} is not a Python identifier")
    difficulty = obj.get("difficulty", DEFAULTS["difficulty"])
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or difficulty not in DIFFICULTIES:
        raise RecordError(f"difficulty must be an integer from 1 to 5, not {difficulty!r}")
    tags = obj.get("tags", DEFAULTS["tags"])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise RecordError("tags must be a list of non-empty strings")
    original_lang = obj.get("original_lang", DEFAULTS["original_lang"])
    if original_lang not in ("en", "zh"):
        raise RecordError(f"original_lang must be 'en' or 'zh', not {original_lang!r}")
    modify = obj["modify"]
    if not isinstance(modify, dict):
        raise RecordError("modify must be an object")
    unknown = sorted(set(modify) - set(VARIANT_FIELDS))
    if unknown:
        raise RecordError(f"unknown field modify.{', modify.'.join(unknown)}")
    missing = [k for k in VARIANT_FIELDS if k not in modify]
    if missing:
        raise RecordError(f"missing field {', '.join('modify.' + k for k in missing)}")
    content: Content = {
        "topic": topic,
        "entry_point": entry_point,
        "params": check_params(obj["params"]),
        "returns": _str(obj, "returns", max_len=32),
        "prompt_en": _str(obj, "prompt_en"),
        "prompt_zh": _str(obj, "prompt_zh"),
        "original_lang": original_lang,
        "solution": _str(obj, "solution"),
        "cases": check_cases(obj["cases"]),
        "difficulty": difficulty,
        "tags": list(tags),
        "modify": {
            "change": _str(modify, "change", where="modify.", max_len=300),
            "prompt_en": _str(modify, "prompt_en", where="modify."),
            "prompt_zh": _str(modify, "prompt_zh", where="modify."),
            "solution": _str(modify, "solution", where="modify."),
            "cases": check_cases(modify["cases"], label="modify.cases"),
        },
    }
    return slug, content

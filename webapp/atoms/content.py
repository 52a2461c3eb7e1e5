"""An atom's content as plain data: built from a library spec or a database row, hashed,
compared field by field, and checked without running it.

Content is the JSON-ready dict of everything a researcher writes about an atom, with its
modified variant under ``"modify"``. Revisions store it whole; digests hash it canonically.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from webapp.atoms.library.spec import AtomSpec, Case, Param, VariantSpec, static_problems

ATOM_FIELDS: tuple[str, ...] = (
    "topic",
    "entry_point",
    "params",
    "returns",
    "prompt_en",
    "prompt_zh",
    "original_lang",
    "solution",
    "cases",
    "difficulty",
    "tags",
)
VARIANT_FIELDS: tuple[str, ...] = ("change", "prompt_en", "prompt_zh", "solution", "cases")

Content = dict[str, Any]


def spec_content(spec: AtomSpec) -> Content:
    """The content of a library atom."""
    return {
        "topic": spec.topic,
        "entry_point": spec.entry_point,
        "params": [{"name": p.name, "type": p.type} for p in spec.params],
        "returns": spec.returns,
        "prompt_en": spec.prompt_en,
        "prompt_zh": spec.prompt_zh,
        "original_lang": spec.original_lang,
        "solution": spec.solution,
        "cases": [c.as_record() for c in spec.cases],
        "difficulty": spec.difficulty,
        "tags": list(spec.tags),
        "modify": {
            "change": spec.modify.change,
            "prompt_en": spec.modify.prompt_en,
            "prompt_zh": spec.modify.prompt_zh,
            "solution": spec.modify.solution,
            "cases": [c.as_record() for c in spec.modify.cases],
        },
    }


def content_spec(slug: str, content: Content) -> AtomSpec:
    """Rebuild an :class:`AtomSpec` from content, to reuse the library's static checks."""
    modify = content.get("modify") or {}
    return AtomSpec(
        slug=slug,
        entry_point=content["entry_point"],
        params=[Param(p["name"], p["type"]) for p in content["params"]],
        returns=content["returns"],
        prompt_en=content["prompt_en"],
        prompt_zh=content["prompt_zh"],
        solution=content["solution"],
        cases=[Case(args=list(c["args"]), expected=c["expected"]) for c in content["cases"]],
        modify=VariantSpec(
            change=modify.get("change", ""),
            prompt_en=modify.get("prompt_en", ""),
            prompt_zh=modify.get("prompt_zh", ""),
            solution=modify.get("solution", ""),
            cases=[Case(args=list(c["args"]), expected=c["expected"]) for c in modify.get("cases", [])],
        ),
        difficulty=int(content.get("difficulty", 1)),
        tags=list(content.get("tags", [])),
        original_lang=content.get("original_lang", "en"),
        topic=content.get("topic", ""),
    )


def content_digest(content: Content) -> str:
    """SHA-256 of the canonical JSON of ``content`` (key order and spacing do not matter)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _flat(content: Content) -> dict[str, Any]:
    flat = {k: v for k, v in content.items() if k != "modify"}
    flat.update({f"modify.{k}": v for k, v in (content.get("modify") or {}).items()})
    return flat


def content_diff(old: Content, new: Content) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for every field that differs (variant fields as
    ``modify.<field>``)."""
    a, b = _flat(old), _flat(new)
    return {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def content_problems(slug: str, content: Content) -> list[str]:
    """What is wrong with ``content`` without running it: types, case counts, prompts,
    whether each solution defines the declared signature."""
    try:
        spec = content_spec(slug, content)
    except (KeyError, TypeError) as exc:
        return [f"malformed content: {type(exc).__name__}: {exc}"]
    return static_problems(spec)

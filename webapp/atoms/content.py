"""An atom's content as plain data: built from a library spec or a database row, hashed and
compared field by field (``webapp.atoms.checks`` checks it without running it).

Content is the JSON-ready dict of everything a researcher writes about an atom, with its
modified variant under ``"modify"``. Revisions store it whole; digests hash it canonically.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from webapp.atoms.library.spec import AtomSpec

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
#: Content that annotates the function rather than defines it. Like the review state and the
#: notes, a change to only these is no new version: it keeps the version number, the sandbox
#: verdict and the approval (``webapp.atoms.services.atom_update`` is the one rule), and
#: the content digest leaves them out, so tagging never marks an atom "edited in the app".
ANNOTATION_FIELDS: frozenset[str] = frozenset({"tags", "difficulty"})

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


def content_digest(content: Content) -> str:
    """SHA-256 of the canonical JSON of ``content`` without its annotations (key order and
    spacing do not matter): equal digests mean the same function, prompts and cases."""
    defining = {k: v for k, v in content.items() if k not in ANNOTATION_FIELDS}
    canonical = json.dumps(defining, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
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

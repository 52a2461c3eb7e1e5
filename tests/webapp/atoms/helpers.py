"""Builders shared by the atoms view tests: content from the library, and the editor's POST."""

from __future__ import annotations

import json
from typing import Any

from webapp.atoms.content import Content, spec_content
from webapp.atoms.library import load_library


def library_content(slug: str) -> Content:
    """A library atom's content (a known-good atom to start from)."""
    return spec_content(next(s for s in load_library() if s.slug == slug))


def editor_post(slug: str, content: Content, **overrides: Any) -> dict[str, Any]:
    """What the editor form posts for ``content`` (cases as JSON), with field overrides."""
    modify = content["modify"]
    data: dict[str, Any] = {
        "slug": slug,
        "topic": content["topic"],
        "entry_point": content["entry_point"],
        "param_name": [p["name"] for p in content["params"]],
        "param_type": [p["type"] for p in content["params"]],
        "returns": content["returns"],
        "prompt_en": content["prompt_en"],
        "prompt_zh": content["prompt_zh"],
        "original_lang": content["original_lang"],
        "solution": content["solution"],
        "cases_json": json.dumps(content["cases"]),
        "cases_source": "json",
        "difficulty": str(content["difficulty"]),
        "tags": ", ".join(content["tags"]),
        "modify_change": modify["change"],
        "modify_prompt_en": modify["prompt_en"],
        "modify_prompt_zh": modify["prompt_zh"],
        "modify_solution": modify["solution"],
        "modify_cases_json": json.dumps(modify["cases"]),
        "modify_cases_source": "json",
        "message": "",
    }
    data.update(overrides)
    return data

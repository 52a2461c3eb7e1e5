"""Template filters of the evaluation pages."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.4567 -> ``45.7``; None -> ``–``."""
    return "–" if value is None else f"{100 * value:.1f}"


@register.filter
def signed_pct(value: float | None) -> str:
    """0.05 -> ``+5.0``; -0.1 -> ``−10.0``."""
    if value is None:
        return "–"
    return f"+{100 * value:.1f}" if value >= 0 else f"−{100 * -value:.1f}"


@register.filter
def as_json(value: Any) -> str:
    """A case value as compact JSON, trimmed for a table cell."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"

"""The chain diagram of a composite as rows of boxes for the template: which value feeds
which atom, and which composite parameters each atom also takes."""

from __future__ import annotations

from typing import Any


def _box(step: dict[str, Any], feeds: str) -> dict[str, Any]:
    return {
        "atom": step["atom"],
        "each": step.get("each", False),
        "extra": step.get("extra", []),
        "feeds": feeds,
    }


def _row(steps: list[dict[str, Any]], start: str) -> list[dict[str, Any]]:
    boxes, value = [], start
    for i, step in enumerate(steps, 1):
        boxes.append(_box(step, value))
        value = f"step {i}"
    return boxes


def chain_diagram(structure: dict[str, Any]) -> dict[str, Any]:
    """``{"input", "returns", "predicate", "rows": [{"label", "boxes"}]}``: one row for a
    chain or map, two (then / otherwise) under the predicate for a branch."""
    params = structure.get("params") or [{"name": "?", "type": "?"}]
    start = params[0]["name"]
    rows = []
    if structure.get("predicate"):
        rows.append({"label": "if true", "boxes": _row(structure["steps"], start)})
        rows.append({"label": "otherwise", "boxes": _row(structure.get("otherwise", []), start)})
    else:
        rows.append({"label": "", "boxes": _row(structure.get("steps", []), start)})
    return {
        "input": params[0],
        "params": params,
        "returns": structure.get("returns", ""),
        "predicate": _box(structure["predicate"], start) if structure.get("predicate") else None,
        "rows": rows,
    }

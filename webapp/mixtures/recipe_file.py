"""A mixture's recipe as a file (YAML, or JSON, which is YAML too), so that a mixture made in
the builder can be re-made by a script (``manage.py freeze_mixture NAME --recipe FILE``)::

    seed: 0
    tokenizer: whitespace
    sources:
      - {source: atom_base, ratio: 100, lang: en, role: train}
      - {source: "composite:A", ratio: 10, lang: en, role: train}

``ratio`` is in percent (1–600). ``description`` is optional. Any other key is refused by
name, so a typo never silently freezes a different mixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from webapp.mixtures.models import MixtureVersion
from webapp.mixtures.recipe import Item, RecipeError, items_from_json

TOP_KEYS = {"seed", "tokenizer", "sources", "description"}
ITEM_KEYS = {"source", "ratio", "lang", "role"}


@dataclass(frozen=True)
class RecipeFile:
    """What a recipe file says."""

    seed: int
    tokenizer: str
    items: list[Item]
    description: str = ""


def recipe_parse(text: str) -> RecipeFile:
    """Parse and validate a recipe file; :class:`RecipeError` says where it is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise RecipeError(
            f"the recipe is not valid YAML or JSON{where}: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(data, dict):
        raise RecipeError("a recipe is a mapping with seed, tokenizer and sources")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise RecipeError(f"unknown key(s) {', '.join(unknown)}; a recipe has {', '.join(sorted(TOP_KEYS))}")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RecipeError(f"seed must be a whole number, not {seed!r}")
    tokenizer = data.get("tokenizer", "whitespace")
    if not isinstance(tokenizer, str) or not tokenizer.strip():
        raise RecipeError(f"tokenizer must be a name such as 'whitespace', not {tokenizer!r}")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise RecipeError("sources must be a non-empty list of {source, ratio, lang, role}")
    for n, entry in enumerate(sources, start=1):
        if not isinstance(entry, dict):
            raise RecipeError(f"sources item {n} must be a mapping, not {entry!r}")
        extra = sorted(set(map(str, entry)) - ITEM_KEYS)
        if extra:
            raise RecipeError(f"sources item {n}: unknown key(s) {', '.join(extra)}")
        if "source" not in entry:
            raise RecipeError(f"sources item {n} has no source")
    try:
        items = items_from_json(sources)
    except RecipeError as exc:
        raise RecipeError(f"sources: {exc}") from exc
    description = data.get("description", "")
    return RecipeFile(seed=seed, tokenizer=tokenizer.strip(), items=items, description=str(description or ""))


def recipe_dump(version: MixtureVersion) -> str:
    """The version's recipe as a YAML file that :func:`recipe_parse` reads back unchanged."""
    items: list[dict[str, Any]] = []
    for item in items_from_json(version.items):
        data = item.to_json()
        ratio = data["ratio"]
        items.append({**data, "ratio": int(ratio) if ratio.isdigit() else float(ratio)})
    header = (
        f"# Mixture {version.mixture.name}, version {version.number}.\n"
        f"# Re-make and freeze it with: manage.py freeze_mixture NAME --recipe THIS_FILE\n"
        "# ratio is in percent of a source's records (1-600).\n"
    )
    body: dict[str, Any] = {"seed": version.seed, "tokenizer": version.tokenizer}
    if version.mixture.description:
        body["description"] = version.mixture.description
    body["sources"] = items
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=None)

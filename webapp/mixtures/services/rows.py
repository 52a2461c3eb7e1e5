"""The rows a recipe item contributes: its source's records in the asked language, at its
ratio; and the builder's preview of those counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from training_worker.contracts import ProblemRecord
from webapp.core.problems import InvalidRecord, UnknownSource, problem_records
from webapp.mixtures import budget
from webapp.mixtures.models import ItemLang
from webapp.mixtures.recipe import Item, RecipeError, apply_ratio, rng_for


def _identity(record: ProblemRecord) -> tuple[Any, ...]:
    """What stays equal between a problem's English and Chinese records."""
    return (record.source, record.pool, tuple(record.meta.get("atoms") or ()), record.entry_point)


def _authored(source: str) -> list[ProblemRecord]:
    """Each record in the language it was written in: the source's default records, with
    those whose ``meta.original_lang`` differs swapped for that language's record.
    Translations (``meta.translated_from``, ``meta.kind == "translation"``) are left as they are."""
    default = list(problem_records(source, lang=None))
    wanted: dict[tuple[Any, ...], str] = {}
    for r in default:
        original = r.meta.get("original_lang")
        translation = "translated_from" in r.meta or r.meta.get("kind") == "translation"
        if original and original != r.lang and not translation:
            wanted[_identity(r)] = original
    if not wanted:
        return default
    swap: dict[tuple[Any, ...], ProblemRecord] = {}
    for lang in set(wanted.values()):
        for r in problem_records(source, lang=lang):
            if wanted.get(_identity(r)) == lang:
                swap[_identity(r)] = r
    return [swap.get(_identity(r), r) for r in default]


def item_records(item: Item) -> list[ProblemRecord]:
    """The records an item draws from, sorted by task id so the sample does not depend on
    the order a provider happens to yield them in."""
    try:
        if item.lang == ItemLang.AUTHORED:
            records = _authored(item.source)
        else:
            records = list(problem_records(item.source, lang=item.lang))
    except (UnknownSource, InvalidRecord) as exc:  # their messages name the source already
        raise RecipeError(str(exc)) from exc
    except ValueError as exc:
        raise RecipeError(f"{item.source}: {exc}") from exc
    return sorted(records, key=lambda r: r.task_id)


def item_rows(item: Item, seed: int, records: Sequence[ProblemRecord] | None = None) -> list[ProblemRecord]:
    """The snapshot rows of one item: its records at its ratio, each tagged with
    ``meta.mixture = {"source", "role", "copy"}`` (``copy`` counts repetitions from 0)."""
    records = item_records(item) if records is None else records
    rows = []
    for copy, record in apply_ratio(records, item.ratio, rng_for(seed, item)):
        meta = {**record.meta, "mixture": {"source": item.source, "role": item.role, "copy": copy}}
        rows.append(_with_meta(record, meta))
    return rows


def _with_meta(record: ProblemRecord, meta: dict[str, Any]) -> ProblemRecord:
    """``record`` with ``meta`` in place of its own, not checked again: its source checked it
    when it built it, and the tag a row adds is plain JSON. (``dataclasses.replace`` checks
    every row again, and ``copy.copy`` is slower still: each doubled a large freeze.)"""
    row = object.__new__(ProblemRecord)
    row.__dict__.update(record.__dict__, meta=meta)
    return row


@dataclass
class PreviewLine:
    """What one item would contribute."""

    item: Item
    available: int = 0
    rows: int = 0
    repeats: int = 0
    sampled: int = 0
    error: str = ""


def mixture_preview(*, items: Sequence[Item]) -> list[PreviewLine]:
    """Per item: records available, full repeats, sampled extras and rows, without freezing
    or building any record (an item whose source fails carries the error instead).
    :class:`budget.BudgetError` for more items than a recipe may have."""
    if len(items) > budget.MAX_ITEMS:
        raise budget.BudgetError(f"a recipe may have at most {budget.MAX_ITEMS} sources, not {len(items)}")
    lines = []
    counts: budget.Counts = {}
    for item in items:
        line = PreviewLine(item=item)
        try:
            line.available = budget.available(item, counts)
        except RecipeError as exc:
            line.error = str(exc)
        else:
            line.rows, line.repeats, line.sampled = budget.item_rows(item, line.available)
        lines.append(line)
    return lines

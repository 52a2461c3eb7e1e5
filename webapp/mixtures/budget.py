"""How big a recipe is, counted before anything is materialised, and the limit past which it
is refused.

A viewer once ran a 30-second, 535 MB preview: 20 items of a 105k-problem benchmark at 600 %,
each item's records built as a list just to take its length. Here the number of records of
a source is counted (a stored count for benchmarks, a streamed count otherwise, once per
source and language), the rows follow from the ratios by arithmetic, and a recipe past
:func:`max_rows` rows or :data:`MAX_ITEMS` items is refused with a message that says so,
in the preview and again on save or freeze.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from webapp.core.problems import InvalidRecord, UnknownSource, problem_records
from webapp.mixtures.models import Benchmark, ItemLang
from webapp.mixtures.problems import BENCHMARK_PREFIX
from webapp.mixtures.recipe import Item, RecipeError, ratio_count

#: Items in one recipe (the builder's rows). Real studies use a handful.
MAX_ITEMS = 50
#: Default for the ``MIXTURE_MAX_ROWS`` setting: rows in one snapshot.
DEFAULT_MAX_ROWS = 500_000


class BudgetError(RecipeError):
    """The recipe is larger than a snapshot may be; the message gives both numbers."""


def max_rows() -> int:
    """Rows one snapshot may hold (setting ``MIXTURE_MAX_ROWS``)."""
    return int(getattr(settings, "MIXTURE_MAX_ROWS", DEFAULT_MAX_ROWS))


Counts = dict[tuple[str, str | None], int]


def available(item: Item, counts: Counts) -> int:
    """How many records ``item`` draws from, without building them; ``counts`` caches one
    count per (source, language) across a recipe. :class:`RecipeError` for a bad source."""
    # "As authored" swaps some records for another language's but keeps their number.
    lang = None if item.lang == ItemLang.AUTHORED else item.lang
    key = (item.source, lang)
    if key not in counts:
        counts[key] = _count(item.source, lang)
    return counts[key]


def _count(source: str, lang: str | None) -> int:
    if source.startswith(BENCHMARK_PREFIX) and lang in (None, "en"):
        stored = Benchmark.objects.filter(name=source.removeprefix(BENCHMARK_PREFIX))
        count = stored.values_list("problem_count", flat=True).first()
        if count is not None:
            return count
    try:
        return sum(1 for _ in problem_records(source, lang=lang))
    except (UnknownSource, InvalidRecord) as exc:  # their messages name the source already
        raise RecipeError(str(exc)) from exc
    except ValueError as exc:
        raise RecipeError(f"{source}: {exc}") from exc


def item_rows(item: Item, n: int) -> tuple[int, int, int]:
    """``(rows, repeats, sampled)`` for an item over ``n`` records."""
    repeats, sampled = ratio_count(n, item.ratio)
    return repeats * n + sampled, repeats, sampled


def check_size(items: Sequence[Item]) -> int:
    """The recipe's row count; :class:`BudgetError` past :data:`MAX_ITEMS` items or
    :func:`max_rows` rows. Items whose source fails count nothing (they are refused
    elsewhere with their own message)."""
    if len(items) > MAX_ITEMS:
        raise BudgetError(f"a recipe may have at most {MAX_ITEMS} sources, not {len(items)}")
    counts: Counts = {}
    total = 0
    for item in items:
        try:
            total += item_rows(item, available(item, counts))[0]
        except BudgetError:
            raise
        except RecipeError:
            continue
    check_total(total)
    return total


def check_total(total: int) -> None:
    """:class:`BudgetError` when ``total`` rows is more than a snapshot may hold."""
    if total > max_rows():
        raise BudgetError(
            f"this recipe would make {total:,} rows; a snapshot holds at most {max_rows():,}. "
            "Lower the ratios or remove sources."
        )

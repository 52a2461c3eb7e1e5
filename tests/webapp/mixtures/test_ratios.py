"""Sampling ratios: whole repeats plus a seeded sample of the fractional part."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from webapp.mixtures.recipe import Item, RecipeError, apply_ratio, ratio_count, rng_for
from webapp.mixtures.services import item_rows, mixture_preview


@pytest.mark.parametrize(
    ("n", "ratio", "expected"),
    [
        (100, "1", (0, 1)),
        (100, "100", (1, 0)),
        (100, "600", (6, 0)),
        (100, "250", (2, 50)),
        (7, "150", (1, 4)),  # 3.5 rounds half up
        (30, "1", (0, 1)),  # 0.3 rounds to 0, but a non-zero ratio keeps one record
        (0, "1", (0, 0)),
    ],
)
def test_ratio_count_splits_whole_repeats_and_a_sample(n: int, ratio: str, expected: tuple[int, int]) -> None:
    assert ratio_count(n, Decimal(ratio)) == expected


@pytest.mark.parametrize("bad", ["0", "0.5", "-5", "abc", "601", "700", "10001", "nan"])
def test_ratio_outside_the_allowed_range_is_refused(bad: str) -> None:
    with pytest.raises(RecipeError):
        Item(source="atom_base", ratio=bad)  # type: ignore[arg-type]


def test_apply_ratio_repeats_in_order_then_samples_without_replacement() -> None:
    records = list(range(100))
    rows = apply_ratio(records, Decimal(250), random.Random(1))
    assert len(rows) == 250
    assert [r for c, r in rows[:200]] == records + records
    assert [c for c, _ in rows[:200]] == [0] * 100 + [1] * 100
    sample = [r for c, r in rows[200:]]
    assert all(c == 2 for c, _ in rows[200:])
    assert len(set(sample)) == 50 and sample == sorted(sample)


def test_item_seed_is_independent_of_item_order_and_tied_to_the_seed() -> None:
    item = Item(source="atom_base", ratio=Decimal(50))
    draw = lambda seed: apply_ratio(list(range(100)), item.ratio, rng_for(seed, item))  # noqa: E731
    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_atom_sources_at_1_100_600_and_250_percent_give_exact_counts(loaded: Any) -> None:
    one = item_rows(Item(source="atom_base", ratio=Decimal(1)), seed=3)
    full = item_rows(Item(source="atom_base", ratio=Decimal(100)), seed=3)
    six = item_rows(Item(source="atom_modify", ratio=Decimal(600)), seed=3)
    two_and_half = item_rows(Item(source="atom_modify", ratio=Decimal(250)), seed=3)
    assert (len(one), len(full), len(six), len(two_and_half)) == (1, 100, 600, 250)
    assert set(Counter(r.task_id for r in six).values()) == {6}
    per_task = Counter(r.task_id for r in two_and_half)
    assert sorted(Counter(per_task.values()).items()) == [(2, 50), (3, 50)]
    assert all(r.meta["mixture"] == {"source": "atom_base", "role": "train", "copy": 0} for r in one)


def test_the_same_seed_gives_the_same_sample_and_another_seed_another(loaded: Any) -> None:
    def sample(seed: int) -> list[str]:
        rows = item_rows(Item(source="atom_base", ratio=Decimal(30)), seed=seed)
        return [r.task_id for r in rows]

    assert sample(1) == sample(1)
    assert len(sample(1)) == 30
    assert sample(1) != sample(2)


def test_preview_counts_rows_per_item_and_reports_a_bad_source(loaded: Any) -> None:
    lines = mixture_preview(
        items=[
            Item(source="atom_modify", ratio=Decimal(600)),
            Item(source="atom_base", ratio=Decimal(1), lang="zh", role="eval"),
            Item(source="benchmark:nothing", ratio=Decimal(100)),
        ]
    )
    assert [(x.available, x.repeats, x.sampled, x.rows) for x in lines[:2]] == [
        (100, 6, 0, 600),
        (100, 0, 1, 1),
    ]
    assert lines[2].rows == 0 and "no benchmark named 'nothing'" in lines[2].error

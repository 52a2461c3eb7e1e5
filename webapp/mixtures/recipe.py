"""A mixture's recipe as typed values, and the seeded ratio arithmetic that turns a source's
records into the rows a snapshot holds.

Ratio semantics (percent of a source's records, ``n`` records):

- the whole part repeats every record: 600% gives each record six times, in source order;
- the fractional part takes a seeded random sample without replacement of
  ``round_half_up(fraction * n)`` records, kept in source order: 1% of 100 is one record,
  250% of 100 is every record twice plus 50 sampled ones;
- a non-zero ratio never empties a non-empty source: when the rounding gives no record at
  all (1% of 30), one sampled record is kept, so a down-sampled source still shows up.

The random generator is seeded by ``seed|source|lang|role``: the same recipe gives the same
sample whatever the order of its items, and a different seed gives a different one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from webapp.mixtures.models import ItemLang, ItemRole

#: The range the product promises (DESIGN.md): 1% down-sampling to 600% up-sampling. The
#: builder states it beside the ratio and refuses a ratio outside it with this message.
MIN_RATIO = Decimal(1)
MAX_RATIO = Decimal(600)
RATIO_RANGE = f"{MIN_RATIO}%–{MAX_RATIO}%"

T = TypeVar("T")

#: A mixture's name as typed in the web form or ``freeze_mixture``: it names the recipe file
#: and shows in every snapshot's recipe.
MIXTURE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def mixture_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a new mixture (``None`` when it can), said for a researcher."""
    if MIXTURE_NAME.match(name):
        return None
    return (
        f"{name!r} is not a mixture name: use letters, digits, '-', '_' and '.', starting with a "
        "letter or digit, at most 100 (e.g. paper-modify-600)"
    )


class RecipeError(ValueError):
    """A recipe that cannot be frozen (the message says which item and why)."""


def parse_ratio(value: Any) -> Decimal:
    """A ratio in percent as an exact decimal (``"250"``, ``2.5``, ``"1%"``), within
    :data:`MIN_RATIO` … :data:`MAX_RATIO`."""
    text = str(value).strip().rstrip("%").strip()
    try:
        ratio = Decimal(text)
    except InvalidOperation as exc:
        raise RecipeError(f"ratio {value!r} is not a number of percent (e.g. 100)") from exc
    if not ratio.is_finite() or not MIN_RATIO <= ratio <= MAX_RATIO:
        raise RecipeError(
            f"ratio {text}% is outside {RATIO_RANGE}: 1% keeps about one record in a hundred, "
            "600% repeats every record six times"
        )
    return ratio


@dataclass(frozen=True)
class Item:
    """One line of a recipe."""

    source: str  # a registered source name, e.g. "atom_modify", "composite:A", "benchmark:humaneval"
    ratio: Decimal  # percent of the source's records; 100 keeps each record once
    lang: str = ItemLang.EN  # "en", "zh", or "authored" (each record in its original language)
    role: str = ItemRole.TRAIN  # "train" rows feed training; "eval" rows are held out

    def __post_init__(self) -> None:
        if not self.source:
            raise RecipeError("an item needs a source")
        object.__setattr__(self, "ratio", parse_ratio(self.ratio))
        object.__setattr__(self, "lang", str(self.lang))  # plain strings, not enum members
        object.__setattr__(self, "role", str(self.role))
        if self.lang not in ItemLang.values:
            raise RecipeError(f"{self.source}: language {self.lang!r} is not one of {ItemLang.values}")
        if self.role not in ItemRole.values:
            raise RecipeError(f"{self.source}: role {self.role!r} is not one of {ItemRole.values}")

    def to_json(self) -> dict[str, str]:
        """The stored form; the ratio as a string so it round-trips exactly."""
        data = asdict(self)
        data["ratio"] = _ratio_text(self.ratio)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        """The inverse of :meth:`to_json`."""
        return cls(
            source=str(data.get("source", "")),
            ratio=parse_ratio(data.get("ratio", "100")),
            lang=str(data.get("lang", ItemLang.EN)),
            role=str(data.get("role", ItemRole.TRAIN)),
        )


def _ratio_text(ratio: Decimal) -> str:
    return format(ratio.normalize(), "f")


def items_from_json(data: Sequence[dict[str, Any]]) -> list[Item]:
    """Items of a stored recipe, validated."""
    return [Item.from_json(d) for d in data]


def ratio_count(n: int, ratio: Decimal) -> tuple[int, int]:
    """``(whole, sampled)`` for ``n`` records at ``ratio`` percent: each record appears
    ``whole`` times and ``sampled`` further records are drawn (module docstring)."""
    share = ratio / 100
    whole = int(share)  # share > 0, so int() floors
    sampled = int(((share - whole) * n).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if n and whole == 0 and sampled == 0:
        sampled = 1
    return whole, min(sampled, n)


def rng_for(seed: int, item: Item) -> random.Random:
    """The generator for one item (string seeds hash with SHA-512: stable across processes)."""
    return random.Random(f"{seed}|{item.source}|{item.lang}|{item.role}")


def apply_ratio(records: Sequence[T], ratio: Decimal, rng: random.Random) -> list[tuple[int, T]]:
    """``(copy, record)`` pairs: every record ``whole`` times (copies 0..whole-1), then the
    seeded sample of the fractional part (copy ``whole``), each block in source order."""
    whole, sampled = ratio_count(len(records), ratio)
    rows = [(copy, r) for copy in range(whole) for r in records]
    picked = sorted(rng.sample(range(len(records)), sampled)) if sampled else []
    rows.extend((whole, records[i]) for i in picked)
    return rows

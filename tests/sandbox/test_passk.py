"""pass@k against the direct combinatorial formula."""

from __future__ import annotations

import math

import pytest

from sandbox import pass_at_k
from sandbox.passk import mean_pass_at_k


def direct(n: int, c: int, k: int) -> float:
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def test_pass_at_k_matches_the_combinatorial_formula_for_every_small_case() -> None:
    for n in range(1, 31):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(direct(n, c, k), abs=1e-12)


def test_pass_at_k_is_stable_where_the_binomials_overflow_floats() -> None:
    value = pass_at_k(2000, 3, 1000)
    assert 0.87 < value < 0.88 and math.isfinite(value)
    assert pass_at_k(2000, 3, 1000) == pytest.approx(direct(2000, 3, 1000), rel=1e-9)
    assert pass_at_k(10_000, 0, 5000) == 0.0
    assert pass_at_k(10_000, 1, 1) == pytest.approx(1e-4)


def test_pass_at_1_is_the_fraction_correct() -> None:
    assert pass_at_k(200, 37, 1) == pytest.approx(37 / 200)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 6, 1), (5, -1, 1), (5, 2, 0), (5, 2, 6)])
def test_pass_at_k_refuses_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_the_mean_reports_only_k_every_problem_has_samples_for() -> None:
    scores = mean_pass_at_k([(10, 5), (10, 0), (5, 5)], [1, 5, 10, 100])
    assert set(scores) == {"pass@1", "pass@5"}
    assert scores["pass@1"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert mean_pass_at_k([], [1]) == {}

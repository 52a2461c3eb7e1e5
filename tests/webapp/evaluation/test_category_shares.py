"""Verdict categories as shares of samples, and their paired differences, on hand-built tallies."""

from __future__ import annotations

import pytest

from webapp.evaluation.category_shares import (
    Tally,
    category_differences,
    pooled_shares,
    problem_shares,
)

CATS = ["passed", "wrong_answer", "runtime_error", "syntax_error", "timeout", "tampering"]


def test_a_problems_share_of_a_category_is_the_fraction_of_its_samples_and_passed_is_pass_at_1() -> None:
    shares = problem_shares([Tally("a", 4, 1, {"syntax_error": 2, "timeout": 1})], CATS)
    assert {c: shares[c]["a"] for c in CATS} == {
        "passed": 0.25,
        "wrong_answer": 0.0,
        "runtime_error": 0.0,
        "syntax_error": 0.5,
        "timeout": 0.25,
        "tampering": 0.0,
    }
    with pytest.raises(ValueError):
        Tally("b", 2, 1, {"syntax_error": 2})  # more failures than failed samples


def test_seeds_pool_per_problem_and_differences_pair_the_shared_problems() -> None:
    # Reference: syntax errors on half the samples of p0 and p1. Arm (two seeds): none on p0,
    # one seed with all of p1's; p2 only the arm has, so it is left out of the pairing.
    ref = problem_shares(
        [Tally("p0", 2, 1, {"syntax_error": 1}), Tally("p1", 2, 1, {"syntax_error": 1})], CATS
    )
    seed0 = problem_shares(
        [Tally("p0", 2, 2), Tally("p1", 2, 0, {"syntax_error": 2}), Tally("p2", 2, 0)], CATS
    )
    seed1 = problem_shares([Tally("p0", 2, 2), Tally("p1", 2, 2)], CATS)
    arm = pooled_shares([seed0, seed1], CATS)
    assert arm["syntax_error"] == {"p0": 0.0, "p1": 0.5, "p2": 0.0}
    diffs = {d.category: d for d in category_differences(ref, arm, CATS)}
    assert set(diffs) == {"passed", "syntax_error"}  # categories no side has are left out
    syntax = diffs["syntax_error"]
    assert (syntax.a, syntax.b) == (0.5, 0.25)
    assert syntax.difference.value == pytest.approx(-0.25) and syntax.difference.problems == 2
    # Per-problem differences are -0.5 and 0: every resample's mean lies in [-0.5, 0].
    assert -0.5 <= syntax.difference.low <= syntax.difference.high <= 0.0
    assert diffs["passed"].difference.value == pytest.approx(0.25)

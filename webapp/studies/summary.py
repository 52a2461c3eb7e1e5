"""A study's short written summary: each arm against the reference arm, per suite and k,
stated with its paired interval and never more strongly than the interval allows.

A difference whose interval contains 0 is "no detectable difference"; otherwise the arm is
"higher" or "lower" by the point estimate, with the interval and the number of shared problems
beside it. Pure: it takes estimates and returns text.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.evaluation.metrics import Estimate


@dataclass(frozen=True)
class Comparison:
    """One arm's paired difference to the reference on one suite at one k (arm − reference)."""

    arm: str
    reference: str
    suite: str
    k: int
    difference: Estimate


def _points(x: float) -> str:
    return f"{100 * x:+.1f}"


def sentence(c: Comparison) -> str:
    """One comparison in words."""
    d = c.difference
    interval = f"95% CI {_points(d.low)} to {_points(d.high)} points, {d.problems} shared problems"
    head = f"On {c.suite}, pass@{c.k} of {c.arm} vs {c.reference}:"
    if d.contains_zero:
        return f"{head} no detectable difference ({_points(d.value)} points; {interval})."
    direction = "higher" if d.value > 0 else "lower"
    return f"{head} {direction} by {abs(100 * d.value):.1f} points ({interval})."


def study_summary(comparisons: list[Comparison], *, confidence: float = 0.95) -> str:
    """The summary paragraph: one sentence per comparison, the resolved ones first, and a
    closing line that says how many differences the intervals could not resolve."""
    if not comparisons:
        return "No arm has results to compare yet."
    resolved = [c for c in comparisons if not c.difference.contains_zero]
    unresolved = [c for c in comparisons if c.difference.contains_zero]
    lines = [sentence(c) for c in resolved + unresolved]
    pct = round(100 * confidence)
    if resolved:
        lines.append(
            f"{len(resolved)} of {len(comparisons)} differences exclude 0 at {pct}% confidence; "
            "the others are within what chance over these problems allows."
        )
    else:
        lines.append(
            f"None of the {len(comparisons)} differences excludes 0 at {pct}% confidence: at this "
            "scale the study cannot tell the arms apart."
        )
    return "\n".join(lines)

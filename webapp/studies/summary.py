"""A study's short written summary: each arm against the reference arm, per suite and k,
stated with its paired interval and never more strongly than the interval allows.

A difference whose interval contains 0 is "no detectable difference"; otherwise the arm is
"higher" or "lower" by the point estimate, with the interval and the number of shared problems
beside it. Where the design's minimum detectable difference is known (``webapp.studies.power``,
from the base model's measured pass rate), each sentence also says whether a true difference of
that size was within what the design could detect. The verdict categories' differences
(``CategoryComparison``) are named when their interval excludes 0, and counted otherwise.
Pure: it takes estimates and returns text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from webapp.evaluation.category_shares import CategoryDifference
from webapp.evaluation.metrics import Estimate


@dataclass(frozen=True)
class Comparison:
    """One arm's paired difference to the reference on one suite at one k (arm − reference)."""

    arm: str
    reference: str
    suite: str
    k: int
    difference: Estimate
    #: The smallest true difference the design detects with 80% power (None: not known).
    detectable: float | None = None


@dataclass(frozen=True)
class CategoryComparison:
    """One arm's paired difference to the reference in one verdict category's share."""

    arm: str
    reference: str
    suite: str
    label: str
    difference: CategoryDifference


def _points(x: float) -> str:
    return f"{100 * x:+.1f}"


def sentence(c: Comparison) -> str:
    """One comparison in words."""
    d = c.difference
    interval = f"95% CI {_points(d.low)} to {_points(d.high)} points, {d.problems} shared problems"
    head = f"On {c.suite}, pass@{c.k} of {c.arm} vs {c.reference}:"
    if d.contains_zero:
        return f"{head} no detectable difference ({_points(d.value)} points; {interval}).{_power(c)}"
    direction = "higher" if d.value > 0 else "lower"
    return f"{head} {direction} by {abs(100 * d.value):.1f} points ({interval}).{_power(c)}"


def _power(c: Comparison) -> str:
    if c.detectable is None:
        return ""
    could = "could" if abs(c.difference.value) >= c.detectable else "could not"
    return (
        f" The design detects {100 * c.detectable:.1f} points or more with 80% power, so it {could} "
        "reliably detect a difference of this size."
    )


def category_sentence(c: CategoryComparison) -> str:
    """One category's difference in words (the interval is the paired bootstrap's)."""
    d = c.difference.difference
    shares = f"{100 * c.difference.b:.1f}% vs {100 * c.difference.a:.1f}%"
    interval = f"95% CI {_points(d.low)} to {_points(d.high)} points, {d.problems} shared problems"
    head = f"On {c.suite}, the share of {c.label.lower()} samples of {c.arm} vs {c.reference} ({shares}):"
    if d.contains_zero:
        return f"{head} no detectable difference ({_points(d.value)} points; {interval})."
    direction = "higher" if d.value > 0 else "lower"
    return f"{head} {direction} by {abs(100 * d.value):.1f} points ({interval})."


def study_summary(
    comparisons: list[Comparison],
    *,
    categories: Sequence[CategoryComparison] = (),
    confidence: float = 0.95,
) -> str:
    """The summary paragraph: one sentence per comparison, the resolved ones first, and a
    closing line that says how many differences the intervals could not resolve; then each
    category difference whose interval excludes 0, and how many did not."""
    if not comparisons:
        return "No arm has results to compare yet."
    return "\n".join([_pass_lines(comparisons, confidence), *_category_lines(categories, confidence)])


def _category_lines(categories: Sequence[CategoryComparison], confidence: float) -> list[str]:
    if not categories:
        return []
    resolved = [c for c in categories if not c.difference.difference.contains_zero]
    pct = round(100 * confidence)
    head = (
        f"Verdict categories: {len(resolved)} of {len(categories)} differences in a category's share "
        f"exclude 0 at {pct}% confidence" + (":" if resolved else ".")
    )
    return [head, *(category_sentence(c) for c in resolved)]


def _pass_lines(comparisons: list[Comparison], confidence: float) -> str:
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

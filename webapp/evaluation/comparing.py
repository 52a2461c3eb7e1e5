"""Two evaluations compared on one suite, problem by problem: pure analysis of their stored
per-problem tallies (no queries; :func:`webapp.evaluation.selectors.comparison` reads the
rows and hands them to :func:`compare`).

What a comparison shows: the paired difference of pass@k with its paired bootstrap interval,
the problems that flipped (solved on one side only), breakdowns by topic / source / composite
depth / atom, and each side's verdict categories (counts, and shares with the paired interval
of their difference)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from webapp.core.categories import CATEGORY_CHOICES
from webapp.evaluation.category_shares import (
    PASSED,
    CategoryDifference,
    Tally,
    category_differences,
    problem_shares,
)
from webapp.evaluation.metrics import Estimate, paired_difference, pass_at_k

if TYPE_CHECKING:
    from webapp.evaluation.models import EvalRun, ProblemResult, SuiteProblem
    from webapp.mixtures.models import Snapshot

#: A problem counts as solved when at least half of its samples pass (with n = 1: it passed).
SOLVED_SHARE = 0.5

#: One side's tallies by task id.
Results = dict[str, "ProblemResult"]


@dataclass
class Breakdown:
    """One value of a group (a topic, a source, a depth, an atom): its shared problems and
    each side's mean pass@k over them."""

    group: str
    value: str
    problems: int
    a: float
    b: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class CategoryRow:
    """One verdict category in a comparison: each side's count of samples, and the paired
    difference of its share (B − A over the shared problems, with its interval)."""

    label: str
    a_count: int
    b_count: int
    shares: CategoryDifference


@dataclass
class Comparison:
    """What the comparison page shows of runs ``a`` and ``b`` on ``snapshot`` at pass@``k``."""

    a: EvalRun
    b: EvalRun
    snapshot: Snapshot
    k: int
    same_protocol: bool
    difference: Estimate | None
    a_score: float
    b_score: float
    fail_to_pass: list[dict[str, Any]]
    pass_to_fail: list[dict[str, Any]]
    breakdowns: dict[str, list[Breakdown]]
    categories: list[tuple[str, int, int]]  # category name, a's count, b's count
    shared: int
    only_one_side: int
    notes: list[str] = field(default_factory=list)
    #: Every verdict category (passed included) as shares with paired intervals.
    category_rows: list[CategoryRow] = field(default_factory=list)

    @property
    def a_finding(self) -> dict[str, str] | None:
        """What run A trained on of the suite (None: clean)."""
        return self.a.finding(self.snapshot.pk)

    @property
    def b_finding(self) -> dict[str, str] | None:
        """What run B trained on of the suite (None: clean)."""
        return self.b.finding(self.snapshot.pk)


def compare(
    *,
    a: EvalRun,
    b: EvalRun,
    snapshot: Snapshot,
    k: int,
    ra: Results,
    rb: Results,
    problems: dict[str, SuiteProblem],
) -> Comparison:
    """``a`` and ``b`` on ``snapshot`` from their tallies ``ra`` and ``rb`` and the suite's
    ``problems`` (see the module docstring). pass@k falls back to the largest k both sides'
    samples allow, and a note says so."""
    k, notes = _usable_k(k, ra, rb)
    score_a = {t: pass_at_k(r.n, r.c, k) for t, r in ra.items()}
    score_b = {t: pass_at_k(r.n, r.c, k) for t, r in rb.items()}
    shared = sorted(set(ra) & set(rb))
    fail_to_pass, pass_to_fail = _flips(shared, ra, rb, problems)
    return Comparison(
        a=a,
        b=b,
        snapshot=snapshot,
        k=k,
        same_protocol=a.protocol_hash == b.protocol_hash,
        difference=paired_difference(score_a, score_b) if shared else None,
        a_score=_mean(score_a, shared),
        b_score=_mean(score_b, shared),
        fail_to_pass=fail_to_pass,
        pass_to_fail=pass_to_fail,
        breakdowns=_breakdowns(shared, problems, score_a, score_b),
        categories=_category_counts(ra, rb),
        shared=len(shared),
        only_one_side=len(set(ra) ^ set(rb)),
        notes=notes,
        category_rows=_category_rows(ra, rb),
    )


def _usable_k(k: int, ra: Results, rb: Results) -> tuple[int, list[str]]:
    """``k``, or the fewest samples any problem has on either side when that is fewer."""
    usable = min([k, *(r.n for r in ra.values()), *(r.n for r in rb.values())]) if ra and rb else k
    if usable == k:
        return k, []
    return usable, [f"pass@{k} needs {k} samples per problem; showing pass@{usable}"]


def _mean(scores: dict[str, float], tasks: list[str]) -> float:
    return sum(scores[t] for t in tasks) / len(tasks) if tasks else 0.0


def _solved(r: ProblemResult) -> bool:
    return r.c >= SOLVED_SHARE * r.n and r.c > 0


def _flips(
    shared: list[str], ra: Results, rb: Results, problems: dict[str, SuiteProblem]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The shared problems solved by B only (fail to pass) and by A only (pass to fail)."""

    def row(t: str) -> dict[str, Any]:
        p = problems.get(t)
        return {
            "task_id": t,
            "a": f"{ra[t].c}/{ra[t].n}",
            "b": f"{rb[t].c}/{rb[t].n}",
            "topic": p.topic if p else "",
            "depth": p.depth if p else None,
            "ref": p.ref if p else "",
        }

    fail_to_pass = [row(t) for t in shared if not _solved(ra[t]) and _solved(rb[t])]
    pass_to_fail = [row(t) for t in shared if _solved(ra[t]) and not _solved(rb[t])]
    return fail_to_pass, pass_to_fail


def _groups(shared: list[str], problems: dict[str, SuiteProblem]) -> dict[str, dict[str, list[str]]]:
    """Group name -> value -> the shared problems with that value."""
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t in shared:
        p = problems.get(t)
        if p is None:
            continue
        groups["topic"][p.topic or "—"].append(t)
        groups["source"][p.source].append(t)
        if p.depth is not None:
            groups["composite depth"][str(p.depth)].append(t)
        for atom in p.atoms:
            groups["atom"][atom].append(t)
    return groups


def _breakdowns(
    shared: list[str],
    problems: dict[str, SuiteProblem],
    score_a: dict[str, float],
    score_b: dict[str, float],
) -> dict[str, list[Breakdown]]:
    """Each group's values with both sides' mean pass@k, biggest loss first (a single
    composite depth says nothing and is left out)."""
    return {
        name: sorted(
            (
                Breakdown(name, value, len(ts), _mean(score_a, ts), _mean(score_b, ts))
                for value, ts in values.items()
            ),
            key=lambda x: (x.delta, x.value),
        )
        for name, values in _groups(shared, problems).items()
        if len(values) > 1 or name != "composite depth"
    }


def _category_counts(ra: Results, rb: Results) -> list[tuple[str, int, int]]:
    """``(category, A's failed samples, B's)``, the most frequent first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for side, rs in ((0, ra), (1, rb)):
        for r in rs.values():
            for cat, count in r.categories.items():
                totals[cat][side] += int(count)
    return [(c, v[0], v[1]) for c, v in sorted(totals.items(), key=lambda kv: -sum(kv[1]))]


def _category_rows(ra: Results, rb: Results) -> list[CategoryRow]:
    names = [name for name, _ in CATEGORY_CHOICES]
    labels = dict(CATEGORY_CHOICES)

    def shares(rs: Results) -> dict[str, dict[str, float]]:
        return problem_shares([Tally(t, r.n, r.c, r.categories or {}) for t, r in rs.items() if r.n], names)

    def count(rs: Results, cat: str) -> int:
        return sum(r.c if cat == PASSED else int((r.categories or {}).get(cat, 0)) for r in rs.values())

    return [
        CategoryRow(labels[d.category], count(ra, d.category), count(rb, d.category), d)
        for d in category_differences(shares(ra), shares(rb), names)
    ]

"""A study's plan before launch: per eval suite and per comparison, the paired difference in
pass@k the design can resolve (``run_study --plan``, the new-study page), and the external
benchmarks a template needs imported. Reads only: it creates no row and writes no file.

The numbers come from :mod:`webapp.studies.power` (its docstring states the formula). This
module finds what the formula needs:

- **problems per suite**: the eval rows the suite's recipe selects, counted by arithmetic
  from each source's size (a composite pool counts at the size the template declares, which
  is what the study will synthesise), never by freezing;
- **samples**: the protocol's ``n`` and the arm's seeds; the base model runs one seed;
- **the base pass rate p**: the share of samples the base model passed in a stored
  evaluation of the *same* problems under the *same* protocol, that is a succeeded
  :class:`~webapp.evaluation.models.EvalRun` of the study's base model on a snapshot whose
  hash is the suite's (computed in memory from the recipe, as freezing would) and whose
  protocol hash is the study's (as :func:`rate_of`: ``(passed + 0.5) / (samples + 1)``);
  without one, :data:`~webapp.studies.power.ASSUMED_BASE_RATE`
  (or the rate the caller gives), and the plan says which.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol, ProtocolError
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.mixtures import budget
from webapp.mixtures.models import Benchmark, ItemRole, Snapshot
from webapp.mixtures.problems import BENCHMARK_PREFIX
from webapp.mixtures.recipe import Item, RecipeError
from webapp.mixtures.recipe_file import RecipeFile
from webapp.mixtures.services.rows import item_rows
from webapp.mixtures.storage import record_line
from webapp.studies import power
from webapp.studies.design import DesignError, StudyDesign, arm_protocol, design_parse, template_text
from webapp.synthesis.models import Composite
from webapp.synthesis.problems import PREFIX as COMPOSITE_PREFIX

#: The row name of the base model in a study's table and comparisons.
BASE_ARM = "base model"
#: Where the shipped HumanEval file lives, relative to the project (README, "Studies").
BENCHMARK_FILES = {"humaneval": "../shared/data/humaneval/HumanEval.jsonl.gz"}


@dataclass(frozen=True)
class ComparisonPlan:
    """One arm against the reference on one suite at one k."""

    arm: str
    reference: str
    k: int
    resolution: power.Resolution

    def line(self) -> str:
        return f"  {self.arm} vs {self.reference}, pass@{self.k}: {power.verdict(self.resolution)}"


@dataclass(frozen=True)
class BaseRate:
    """The per-sample pass rate the plan assumes for a suite, and where it comes from."""

    value: float
    source: str
    measured: bool


@dataclass(frozen=True)
class SuitePlan:
    """One eval suite: its size, its base rate and what each comparison resolves on it."""

    suite: str
    problems: int
    base_rate: BaseRate | None
    comparisons: list[ComparisonPlan] = field(default_factory=list)
    problem: str = ""  # why the suite cannot be planned (a benchmark not imported …)

    def lines(self) -> list[str]:
        if self.problem:
            return [f"{self.suite}: {self.problem}"]
        assert self.base_rate is not None
        rate = self.base_rate
        head = f"{self.suite}: {self.problems} problems; base pass rate {rate.value:.3f} ({rate.source})"
        return [head, *(c.line() for c in self.comparisons)]


@dataclass(frozen=True)
class StudyPlan:
    """The whole plan; :meth:`lines` is what ``--plan`` prints and the page shows."""

    name: str
    scale: str
    samples: str
    suites: list[SuitePlan]

    @property
    def comparisons(self) -> list[ComparisonPlan]:
        return [c for s in self.suites for c in s.comparisons]

    @property
    def unresolved(self) -> list[tuple[str, ComparisonPlan]]:
        """Comparisons that cannot resolve 10 points, with their suite."""
        return [
            (s.suite, c) for s in self.suites for c in s.comparisons if not c.resolution.resolves_ten_points
        ]

    def lines(self) -> list[str]:
        out = [
            f"{self.name} at scale {self.scale}: {self.samples}. Smallest paired difference in pass@k "
            "each comparison detects at 95% (two-sided) with 80% power (webapp/studies/power.py):"
        ]
        for suite in self.suites:
            out.extend(suite.lines())
        total = len(self.comparisons)
        bad = len(self.unresolved)
        if total and bad == total:
            out.append(f"This design cannot resolve 10 points in any of its {total} comparisons.")
        elif bad:
            out.append(f"{bad} of {total} comparisons cannot resolve 10 points.")
        elif total:
            out.append(f"Every one of the {total} comparisons resolves 10 points.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scale": self.scale,
            "samples": self.samples,
            "suites": [
                {
                    "suite": s.suite,
                    "problems": s.problems,
                    "problem": s.problem or None,
                    "base_rate": s.base_rate.value if s.base_rate else None,
                    "base_rate_source": s.base_rate.source if s.base_rate else None,
                    "comparisons": [
                        {"arm": c.arm, "reference": c.reference, **c.resolution.as_dict()}
                        for c in s.comparisons
                    ],
                }
                for s in self.suites
            ],
        }


# --- what the design needs ---------------------------------------------------------------------


def import_hint(benchmark: str) -> str:
    """The command that imports ``benchmark`` (with the shipped file where there is one)."""
    path = BENCHMARK_FILES.get(benchmark, "FILE")
    return f"manage.py import_benchmark {benchmark} {path}"


def _absent_benchmarks(recipes: Iterable[RecipeFile]) -> list[str]:
    names = {
        i.source.removeprefix(BENCHMARK_PREFIX)
        for r in recipes
        for i in r.items
        if i.source.startswith(BENCHMARK_PREFIX)
    }
    have = set(Benchmark.objects.filter(name__in=names).values_list("name", flat=True))
    return sorted(names - have)


def _not_imported(name: str) -> str:
    return f"benchmark {name!r} is not imported; import it first: {import_hint(name)}"


def missing_benchmarks(design: StudyDesign) -> list[str]:
    """One message per benchmark an eval suite or a mixture names that is not imported, with
    the command that imports it ([] when every one is there)."""
    return [_not_imported(n) for n in _absent_benchmarks([*design.evals.values(), *design.mixtures.values()])]


def _eval_items(recipe: RecipeFile) -> list[Item]:
    return [i for i in recipe.items if i.role == ItemRole.EVAL]


def _pool(item: Item) -> str | None:
    """The composite pool an item draws from (``composite:B`` → ``B``), or None."""
    return item.source.removeprefix(COMPOSITE_PREFIX) if item.source.startswith(COMPOSITE_PREFIX) else None


def suite_problems(recipe: RecipeFile, pools: dict[str, int]) -> int:
    """Distinct eval problems the suite's recipe selects (a ratio above 100 % repeats rows
    but adds no problem). :class:`RecipeError` for a source that cannot be counted."""
    counts: budget.Counts = {}
    total = 0
    for item in _eval_items(recipe):
        pool = _pool(item)
        available = pools[pool] if pool in pools else budget.available(item, counts)
        _, repeats, sampled = budget.item_rows(item, available)
        total += available if repeats else sampled
    return total


def suite_hash(recipe: RecipeFile, pools: dict[str, int]) -> str | None:
    """The SHA-256 freezing the suite would give now (rows built in memory, nothing written);
    None when a composite pool it draws from does not hold the declared size yet (the study
    would synthesise it first, so no stored snapshot can be the suite's)."""
    digest = hashlib.sha256()
    for item in recipe.items:
        pool = _pool(item)
        if pool in pools and Composite.objects.filter(pool=pool).count() != pools[pool]:
            return None
        try:
            rows = item_rows(item, recipe.seed)
        except RecipeError:
            return None
        for row in rows:
            digest.update(record_line(row))
    return digest.hexdigest()


def base_rate(
    *, model: str, protocol: Protocol, snapshot_hash: str | None, assumed: float | None = None
) -> BaseRate:
    """The share of samples the base model passed on this very suite under this protocol,
    or the stated assumption."""
    snapshot = Snapshot.objects.filter(sha256=snapshot_hash).first() if snapshot_hash else None
    run = None
    if snapshot is not None:
        run = (
            EvalRun.objects.filter(
                model=model,
                status=JobStatus.SUCCEEDED,
                protocol_hash=protocol.comparable_hash,
                snapshots=snapshot,
            )
            .order_by("-created_at")
            .first()
        )
    if run is not None and snapshot is not None:
        sums = ProblemResult.objects.filter(run=run, snapshot=snapshot).aggregate(n=Sum("n"), c=Sum("c"))
        if sums["n"]:
            return BaseRate(
                rate_of(sums["c"], sums["n"]),
                f"measured: eval {run.pk} of {model} on snapshot {snapshot.sha256[:12]}, "
                f"same protocol, {sums['c']} of {sums['n']} samples passed, rate (c + 0.5) / (n + 1)",
                True,
            )
    if assumed is not None:
        why = "given with --base-rate: no stored evaluation of the base model on this suite"
        return BaseRate(assumed, why, False)
    return BaseRate(
        power.ASSUMED_BASE_RATE,
        "assumed: no stored evaluation of the base model on this suite under this protocol; "
        "0.5 gives the largest sampling variance",
        False,
    )


# --- the plan ------------------------------------------------------------------------------


def _sides(design: StudyDesign) -> Iterable[tuple[str, power.Sampling]]:
    """Every row of the study's table with what it samples: the base model, then the arms."""
    first = arm_protocol(design.arms[0])
    yield BASE_ARM, power.Sampling(n=first.n, seeds=1)
    for arm in design.arms:
        yield arm.name, power.Sampling(n=arm_protocol(arm).n, seeds=len(arm.seeds))


def comparisons_for(design: StudyDesign, *, problems: int, rate: float) -> list[ComparisonPlan]:
    """What each row of the table resolves against the reference arm on a suite of
    ``problems`` problems, at every k of the protocol."""
    sides = dict(_sides(design))
    reference = sides[design.reference]
    ks = arm_protocol(design.arms[0]).ks
    return [
        ComparisonPlan(
            name,
            design.reference,
            k,
            power.resolution(problems=problems, k=k, base_rate=rate, arm=side, reference=reference),
        )
        for name, side in sides.items()
        if name != design.reference
        for k in ks
        if k <= min(side.n, reference.n)
    ]


def resolution_for(
    design: StudyDesign, arm: str, *, problems: int, k: int, rate: float, arm_rate: float | None = None
) -> power.Resolution:
    """What the design detects for ``arm`` against the reference on ``problems`` problems
    (the summary's "could the design have detected it"), at the measured rates."""
    sides = dict(_sides(design))
    return power.resolution(
        problems=problems,
        k=k,
        base_rate=rate,
        arm=sides[arm],
        reference=sides[design.reference],
        arm_rate=arm_rate,
    )


def rate_of(passed: int, samples: int) -> float:
    """A measured per-sample pass rate, ``(passed + 0.5) / (samples + 1)``: half a pass is
    added so that a side that passed nothing (or everything) does not make the design look
    perfect (a variance of 0); with 100 samples it moves the rate by under a point."""
    return (passed + 0.5) / (samples + 1)


def measured_rate(runs: Iterable[EvalRun], snapshot: Snapshot) -> float | None:
    """The pass rate (:func:`rate_of`) of the samples ``runs`` (an arm's seeds) passed on
    ``snapshot``; None without results."""
    rows = ProblemResult.objects.filter(run__in=[r.pk for r in runs], snapshot=snapshot)
    sums = rows.aggregate(n=Sum("n"), c=Sum("c"))
    return rate_of(sums["c"], sums["n"]) if sums["n"] else None


def _suite_plan(design: StudyDesign, name: str, recipe: RecipeFile, assumed: float | None) -> SuitePlan:
    absent = _absent_benchmarks([recipe])
    if absent:
        return SuitePlan(name, 0, None, problem="; ".join(map(_not_imported, absent)))
    try:
        problems = suite_problems(recipe, design.pool_sizes)
    except RecipeError as exc:
        return SuitePlan(name, 0, None, problem=str(exc))
    if problems == 0:
        return SuitePlan(name, 0, None, problem="selects no eval rows")
    rate = base_rate(
        model=design.arms[0].model,
        protocol=arm_protocol(design.arms[0]),
        snapshot_hash=suite_hash(recipe, design.pool_sizes),
        assumed=assumed,
    )
    return SuitePlan(name, problems, rate, comparisons_for(design, problems=problems, rate=rate.value))


def study_plan(design: StudyDesign, *, assumed_rate: float | None = None) -> StudyPlan:
    """The design's plan: every eval suite with what each comparison resolves on it."""
    protocol = arm_protocol(design.arms[0])
    seeds = sorted({len(a.seeds) for a in design.arms})
    ks = ",".join(map(str, protocol.ks))
    samples = f"n={protocol.n} samples per problem, {'/'.join(map(str, seeds))} seed(s) per arm, pass@{ks}"
    suites = [
        _suite_plan(design, name, recipe, assumed_rate) for name, recipe in sorted(design.evals.items())
    ]
    return StudyPlan(design.name, design.scale, samples, suites)


def plan_for(
    *, template: str, text: str, scale: str, seeds: str | int | None
) -> tuple[StudyPlan | None, str]:
    """The new-study page's plan for what the form holds (the edited text when there is one,
    else the shipped template): ``(plan, "")``, or ``(None, why)`` when it does not resolve."""
    try:
        body = text.strip() or template_text(template)
        count = int(seeds) if seeds not in (None, "") else None
        return study_plan(design_parse(body, scale=scale, seeds=count)), ""
    except (DesignError, ProtocolError, ValueError) as exc:
        return None, str(exc)

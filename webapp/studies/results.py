"""A study's results: the stored tallies of its evaluations read per arm, suite and k, the
statistics of :mod:`webapp.studies.analysis` applied to them, and the files exported
(:mod:`webapp.studies.exports`). Computed once, when the study succeeds, and stored on the
study (``Study.results``), so pages and commands never recompute."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.evaluation.metrics import PassCounts, per_problem_pass_at_k
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.mixtures.models import Snapshot
from webapp.studies.analysis import (
    Cell,
    Pooled,
    difference_rows,
    pooled_cell,
    reference_comparisons,
    table_rows,
)
from webapp.studies.category_results import categories_present, category_table
from webapp.studies.design import arm_protocol
from webapp.studies.exports import results_export
from webapp.studies.models import Study
from webapp.studies.planning import BASE_ARM, measured_rate
from webapp.studies.selectors import study_design, study_snapshots
from webapp.studies.summary import study_summary

#: Arm name (the base model as ``BASE_ARM``) -> its evaluations, one per seed.
RunsByArm = dict[str, list[EvalRun]]


def _problem_scores(eval_run: EvalRun, snapshot: Snapshot, k: int) -> dict[str, float]:
    counts = [
        PassCounts(task_id=r.task_id, n=r.n, c=r.c)
        for r in ProblemResult.objects.filter(run=eval_run, snapshot=snapshot).only("task_id", "n", "c")
    ]
    return per_problem_pass_at_k([c for c in counts if c.n >= k], k)


def _runs_by_arm(study: Study) -> RunsByArm:
    """The base model's evaluation first, then each arm's, seeds in order."""
    by_arm: RunsByArm = {BASE_ARM: [study.base_eval] if study.base_eval else []}
    for unit in study.units.select_related("eval_run").order_by("order", "seed"):
        if unit.eval_run is not None:
            by_arm.setdefault(unit.arm, []).append(unit.eval_run)
    return by_arm


def _cells(by_arm: RunsByArm, suites: dict[str, Snapshot], ks: Iterable[int]) -> tuple[list[Cell], Pooled]:
    """Every arm × suite × k that has scores: its cell, and its per-problem scores pooled."""
    cells: list[Cell] = []
    pooled: Pooled = {}
    for arm, runs in by_arm.items():
        for suite, snapshot in sorted(suites.items()):
            for k in ks:
                per_seed = [s for s in (_problem_scores(run, snapshot, k) for run in runs) if s]
                if per_seed:
                    cell, pooled[(arm, suite, k)] = pooled_cell(arm, suite, k, per_seed)
                    cells.append(cell)
    return cells, pooled


def _measured_rates(by_arm: RunsByArm, suites: dict[str, Snapshot]) -> dict[tuple[str, str], float | None]:
    return {
        (arm, suite): measured_rate(runs, snapshot)
        for arm, runs in by_arm.items()
        for suite, snapshot in suites.items()
    }


def study_results(study: Study) -> dict[str, Any]:
    """The table (arms × suites × k, pooled over seeds, with the seeds' spread), the paired
    difference of every arm to the reference arm over shared problems, the summary, and the
    exported figure and CSV (under ``studies/<id>/`` of the artifact root)."""
    design = study_design(study)
    ks = list(arm_protocol(design.arms[0]).ks)
    suites = study_snapshots(study, "eval")
    by_arm = _runs_by_arm(study)
    cells, pooled = _cells(by_arm, suites, ks)
    comparisons = reference_comparisons(design, pooled, _measured_rates(by_arm, suites))
    category_rows, category_comparisons = category_table(by_arm, suites, design.reference)
    return {
        "reference": design.reference,
        "ks": ks,
        "suites": sorted(suites),
        "arms": list(by_arm),
        "table": table_rows(cells),
        "differences": difference_rows(comparisons),
        "category_names": categories_present(category_rows),
        "categories": category_rows,
        "summary": study_summary(comparisons, categories=category_comparisons),
        "files": results_export(study, design, cells, comparisons),
    }


def interim_results(study: Study) -> dict[str, Any]:
    """While the study runs: the table of the arms (and the base model) whose every
    evaluation has succeeded, pooled as in the final table, with how many of the arms that
    is. No differences or summary: those wait for every arm (``study_results``)."""
    design = study_design(study)
    ks = list(arm_protocol(design.arms[0]).ks)
    suites = study_snapshots(study, "eval")
    by_arm = _runs_by_arm(study)
    units = {u.arm: u for u in study.units.all()}  # an arm without a unit yet is not done
    done = {
        arm: runs
        for arm, runs in by_arm.items()
        if runs and all(r.status == "succeeded" for r in runs) and (arm == BASE_ARM or arm in units)
    }
    complete = {arm for arm in done if arm != BASE_ARM and len(done[arm]) >= _seeds_of(study, arm)}
    cells, _ = _cells({a: r for a, r in done.items() if a == BASE_ARM or a in complete}, suites, ks)
    return {"table": table_rows(cells), "arms_done": len(complete), "arms_total": len(design.arms)}


def _seeds_of(study: Study, arm: str) -> int:
    return study.units.filter(arm=arm).count()

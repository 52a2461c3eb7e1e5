"""A study's statistics, as pure functions of the per-problem scores (no database, no
files): seeds pooled per problem into the cells of the table, each row paired with the
reference arm over shared problems, and both as the JSON rows ``Study.results`` stores.
:mod:`webapp.studies.results` reads the scores and calls these."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webapp.evaluation.metrics import Estimate, bootstrap_mean, paired_difference, pool_seeds
from webapp.studies.design import StudyDesign
from webapp.studies.planning import resolution_for
from webapp.studies.summary import Comparison

#: (arm, suite, k) -> the arm's per-problem pass@k, seeds pooled.
Pooled = dict[tuple[str, str, int], dict[str, float]]


@dataclass(frozen=True)
class Cell:
    """One arm on one suite at one k: pooled over seeds, with the spread of the seeds."""

    arm: str
    suite: str
    k: int
    estimate: Estimate
    seeds: int
    seed_values: list[float]


def pooled_cell(
    arm: str, suite: str, k: int, per_seed: list[dict[str, float]]
) -> tuple[Cell, dict[str, float]]:
    """The cell of ``arm`` on ``suite`` at ``k`` from its seeds' per-problem scores (each
    non-empty), and the per-problem scores pooled over the seeds."""
    scores = pool_seeds(per_seed)
    seed_values = [statistics.fmean(s.values()) for s in per_seed]
    estimate = bootstrap_mean(list(scores.values()), seed=0)
    return Cell(arm, suite, k, estimate, len(per_seed), seed_values), scores


def reference_comparisons(
    design: StudyDesign,
    pooled: Pooled,
    rates: Mapping[tuple[str, str], float | None],
) -> list[Comparison]:
    """Every row of the table (the base model included) against the reference arm, paired
    over shared problems, with what the design could detect at the two sides' measured pass
    rates on the suite (``rates``: (arm, suite) -> rate, None without results)."""
    out = []
    for (arm, suite, k), scores in pooled.items():
        if arm == design.reference or (design.reference, suite, k) not in pooled:
            continue
        difference = paired_difference(pooled[(design.reference, suite, k)], scores)
        ref_rate, arm_rate = rates.get((design.reference, suite)), rates.get((arm, suite))
        detectable = (
            resolution_for(
                design, arm, problems=difference.problems, k=k, rate=ref_rate, arm_rate=arm_rate
            ).mde
            if ref_rate is not None and arm_rate is not None
            else None
        )
        out.append(Comparison(arm, design.reference, suite, k, difference, detectable))
    return out


def table_rows(cells: list[Cell]) -> list[dict[str, Any]]:
    """The table as stored in ``Study.results["table"]``."""
    return [
        {
            "arm": c.arm,
            "suite": c.suite,
            "k": c.k,
            **c.estimate.as_dict(),
            "seeds": c.seeds,
            "seed_min": min(c.seed_values),
            "seed_max": max(c.seed_values),
        }
        for c in cells
    ]


def table_cells(rows: list[dict[str, Any]]) -> list[Cell]:
    """The cells back from stored table rows (the seeds' spread as its two ends)."""
    return [
        Cell(
            r["arm"],
            r["suite"],
            r["k"],
            Estimate(r["value"], r["low"], r["high"], r["problems"]),
            r["seeds"],
            [r["seed_min"], r["seed_max"]],
        )
        for r in rows
    ]


def difference_rows(comparisons: list[Comparison]) -> list[dict[str, Any]]:
    """The paired differences as stored in ``Study.results["differences"]``."""
    return [
        {
            "arm": c.arm,
            "reference": c.reference,
            "suite": c.suite,
            "k": c.k,
            **c.difference.as_dict(),
            "detectable": c.detectable,
        }
        for c in comparisons
    ]

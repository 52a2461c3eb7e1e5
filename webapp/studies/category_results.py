"""The study table's verdict categories: per arm and suite, the share of samples that passed,
gave a wrong answer, raised, did not parse, timed out or tampered (seeds pooled per problem),
and each arm's paired difference to the reference arm over the shared problems
(:mod:`webapp.evaluation.category_shares` does the arithmetic; this module reads the stored
tallies). The names and labels are those of ``webapp.core.categories``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from webapp.core.categories import CATEGORY_CHOICES
from webapp.evaluation.category_shares import (
    Shares,
    Tally,
    category_differences,
    pooled_shares,
    problem_shares,
)
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.mixtures.models import Snapshot
from webapp.studies.summary import CategoryComparison

CATEGORIES: list[str] = [name for name, _ in CATEGORY_CHOICES]
LABELS: dict[str, str] = dict(CATEGORY_CHOICES)


def run_shares(runs: Iterable[EvalRun], snapshot: Snapshot) -> Shares:
    """The category shares of one arm on one suite, its seeds (runs) pooled per problem."""
    per_seed = []
    for run in runs:
        rows = ProblemResult.objects.filter(run=run, snapshot=snapshot).only(
            "task_id", "n", "c", "categories"
        )
        tallies = [Tally(r.task_id, r.n, r.c, r.categories or {}) for r in rows if r.n]
        if tallies:
            per_seed.append(problem_shares(tallies, CATEGORIES))
    return pooled_shares(per_seed, CATEGORIES) if per_seed else {}


def _mean(values: Mapping[str, float]) -> float:
    return sum(values.values()) / len(values) if values else 0.0


def category_table(
    by_arm: Mapping[str, Sequence[EvalRun]], suites: Mapping[str, Snapshot], reference: str
) -> tuple[list[dict[str, Any]], list[CategoryComparison]]:
    """Rows ``{arm, suite, problems, shares: {category: share}, differences: {category:
    {value, low, high, problems}}}`` (differences to ``reference``; none on its own row), and
    the comparisons the summary words."""
    rows: list[dict[str, Any]] = []
    comparisons: list[CategoryComparison] = []
    for suite, snapshot in sorted(suites.items()):
        shares = {arm: run_shares(runs, snapshot) for arm, runs in by_arm.items()}
        ref = shares.get(reference) or {}
        for arm, own in shares.items():
            if not own:
                continue
            diffs = category_differences(ref, own, CATEGORIES) if ref and arm != reference else []
            comparisons.extend(
                CategoryComparison(arm, reference, suite, LABELS[d.category], d) for d in diffs
            )
            rows.append(
                {
                    "arm": arm,
                    "suite": suite,
                    "problems": len(own[CATEGORIES[0]]),
                    "shares": {cat: _mean(own[cat]) for cat in CATEGORIES},
                    "differences": {d.category: d.difference.as_dict() for d in diffs},
                }
            )
    return rows, comparisons


def categories_present(rows: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(name, label)`` of the categories some row has a sample in (passed always), in the
    vocabulary's order: the page's and the CSV's columns."""
    rows = list(rows)
    seen = {cat for r in rows for cat, share in r["shares"].items() if share}
    return [(cat, LABELS[cat]) for cat in CATEGORIES if cat == "passed" or cat in seen]


def category_cells(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A study's stored category rows with one cell per shown category, in column order
    (``{"share", "difference"}``; ``difference`` None on the reference's row): the page's table."""
    names = [name for name, _ in results.get("category_names", [])]
    return [
        {
            **row,
            "cells": [
                {"share": row["shares"].get(n, 0.0), "difference": row["differences"].get(n)} for n in names
            ],
        }
        for row in results.get("categories", [])
    ]

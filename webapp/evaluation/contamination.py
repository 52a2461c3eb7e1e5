"""Where a model meets a suite: has the model trained on the suite's problems?

A ``run:ID`` model has seen the train rows of its run's snapshot and of every run whose
checkpoint it started from (``training.selectors.trained_on``). Each suite is checked against
each of them with the mixtures' contamination report (``webapp.mixtures.contamination``,
cached per pair), on the blocking checks only: the same prompt, the same normalised solution,
the same composite chain. The finding is stored on the :class:`EvalRun` once, at creation, per
suite (``EvalRun.contamination``), so pages never recompute it.

A finding is ``{"status", "summary", "train"}``: ``status`` is :data:`CONTAMINATED`, or
:data:`IN_DOMAIN` for a suite a study declares to hold training problems by design; a clean
suite has no finding.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from webapp.mixtures.contamination import BLOCKING, LABELS
from webapp.mixtures.models import ItemRole, Snapshot
from webapp.mixtures.services.contamination import contamination_report

CONTAMINATED = "contaminated"
IN_DOMAIN = "in_domain"
#: How each status is named on pages (the mark's text).
MARKS = {CONTAMINATED: "contaminated", IN_DOMAIN: "in-domain"}

Finding = dict[str, Any]


def _overlap(train: Snapshot, suite: Snapshot) -> str:
    """What ``suite``'s eval rows share with ``train``'s train rows ("" when nothing blocking)."""
    if not train.role_rows(ItemRole.TRAIN) or not suite.eval_rows:
        return ""
    report = contamination_report(train=train, eval=suite)
    hits = [f"{LABELS[k].lower()}: {report.eval_hit[k]}" for k in BLOCKING if report.eval_hit[k]]
    if not hits:
        return ""
    return f"train snapshot {train.short} ({', '.join(hits)} of {suite.eval_rows} eval problems)"


def suite_findings(
    *, trained_on: list[Snapshot], suites: list[Snapshot], in_domain: Collection[Snapshot] = ()
) -> dict[str, Finding]:
    """Per suite (keyed by its pk as text, as JSON stores it): what a model trained on
    ``trained_on`` shares with it. Suites in ``in_domain`` are marked in-domain (declared,
    not warned) whenever the model trained on anything."""
    declared = {s.pk for s in in_domain}
    findings: dict[str, Finding] = {}
    if not trained_on:
        return findings
    for suite in suites:
        train = [t.short for t in trained_on]
        if suite.pk in declared:
            findings[str(suite.pk)] = {
                "status": IN_DOMAIN,
                "summary": "declared in-domain: the study's training data holds problems of this suite",
                "train": train,
            }
            continue
        overlaps = [text for text in (_overlap(t, suite) for t in trained_on) if text]
        if overlaps:
            findings[str(suite.pk)] = {
                "status": CONTAMINATED,
                "summary": f"suite {suite.short} overlaps " + "; ".join(overlaps),
                "train": train,
            }
    return findings


def contaminated(findings: dict[str, Finding]) -> list[Finding]:
    """The findings that warn (in-domain ones do not)."""
    return [f for f in findings.values() if f["status"] == CONTAMINATED]


def mark_title(finding: Finding | None) -> str:
    """The mark's tooltip: what overlaps, or "" for a clean suite."""
    return "" if finding is None else str(finding["summary"])

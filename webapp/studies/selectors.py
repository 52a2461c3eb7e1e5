"""Reads of a study for its page and its commands: its design, its units with their curves,
its data by identity, and the JSON ``study_status --json`` and ``run_study --json`` print."""

from __future__ import annotations

from typing import Any

from webapp.core.artifacts import artifact_root
from webapp.mixtures.models import Snapshot
from webapp.studies.design import StudyDesign, design_parse
from webapp.studies.models import Study, StudyUnit
from webapp.studies.states import unit_state
from webapp.training.selectors import TrainingSummary, training_summaries


def study_design(study: Study) -> StudyDesign:
    """The study's template resolved at its scale and seeds, as it was launched."""
    return design_parse(study.template_text, scale=study.scale, seeds=study.seeds)


def study_snapshots(study: Study, kind: str) -> dict[str, Snapshot]:
    """The snapshots the study froze of ``kind`` (``train`` or ``eval``), by template key."""
    return {s.key: s.snapshot for s in study.snapshots.filter(kind=kind).select_related("snapshot")}


def units_with_curves(study: Study) -> list[tuple[StudyUnit, TrainingSummary | None]]:
    """The study's units in order (arm, then seed), each with its training run's curve in one
    line (None before its first step): two queries."""
    rows = list(study.units.select_related("training_run", "eval_run").order_by("order", "seed"))
    curves = training_summaries([u.training_run_id for u in rows if u.training_run_id])
    return [(u, curves.get(u.training_run_id) if u.training_run_id else None) for u in rows]


def study_data(study: Study) -> dict[str, Any]:
    """The study's data by identity, as the page and ``study_status --json`` show it: its
    composite pools (the synthesis run recorded on the study, each template pool's stored
    name and size) and every snapshot it froze (kind, name, hash, rows, train and eval rows)."""
    snapshots = []
    for s in study.snapshots.select_related("snapshot").order_by("kind", "key"):
        roles = s.snapshot.counts.get("role") or {}
        snapshots.append(
            {
                "kind": s.kind,
                "key": s.key,
                "sha256": s.snapshot.sha256,
                "rows": s.snapshot.rows,
                "train_rows": int(roles.get("train", 0)),
                "eval_rows": int(roles.get("eval", 0)),
            }
        )
    plan = study_design(study).pools
    pools = None
    if plan is not None:
        pools = {
            "synthesis_run": study.synthesis_run_id,
            "seed": plan.seed,
            "depth": list(plan.depth),
            "disjoint_pairs": plan.disjoint_pairs,
            "pools": [{"pool": p, "stored_as": plan.stored(p), "size": n} for p, n in plan.sizes.items()],
        }
    return {"pools": pools, "snapshots": snapshots}


def study_state(study: Study) -> dict[str, Any]:
    """What ``study_status --json`` and ``run_study --json`` print."""
    units = []
    for u, curve in units_with_curves(study):
        units.append(
            {
                "arm": u.arm,
                "seed": u.seed,
                "state": unit_state(u),
                "training_run": u.training_run_id,
                "eval_run": u.eval_run_id,
                "blocked": u.blocked or None,
                "training": curve.to_json() if curve else None,
            }
        )
    results = study.results or {}
    root = artifact_root()
    files = {k: str(root / v) for k, v in (results.get("files") or {}).items()}
    return {
        "study": study.pk,
        "name": study.name,
        "template": study.template,
        "scale": study.scale,
        "status": study.status,
        "message": study.message,
        "error": study.error or None,
        "advance_attempts": study.advance_attempts,
        "advance_retry_at": study.advance_retry_at.isoformat() if study.advance_retry_at else None,
        **study_data(study),
        "base_eval": study.base_eval_id,
        "arms": units,
        "table": results.get("table", []),
        "differences": results.get("differences", []),
        "summary": results.get("summary"),
        "files": files,
    }


def study_runs(value: str) -> tuple[str, list[int]] | None:
    """The training runs of study ``value``'s arms (the overlay page's ``?study=``), or None
    when there is no such study."""
    study = Study.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if study is None:
        return None
    ids = StudyUnit.objects.filter(study=study, training_run__isnull=False).order_by("order", "seed")
    return f"study {study.pk} “{study.name}” (its arms' runs)", list(
        ids.values_list("training_run_id", flat=True)
    )

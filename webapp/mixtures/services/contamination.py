"""Contamination reports between a train snapshot and an eval snapshot, computed once and
kept."""

from __future__ import annotations

from webapp.mixtures.contamination import BLOCKING, LABELS, Params, Report, contamination
from webapp.mixtures.models import ContaminationReport, ItemRole, Snapshot
from webapp.mixtures.services.freezing import snapshot_rows


class ContaminationError(Exception):
    """A training snapshot holds problems of the evaluation snapshot it is checked against."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def contamination_report(*, train: Snapshot, eval: Snapshot, params: Params | None = None) -> Report:
    """The train rows of ``train`` checked against the eval rows of ``eval`` (the same
    snapshot may be both). Computed once per pair and parameters, then read from the
    database: snapshots never change."""
    params = params or Params()
    cached = ContaminationReport.objects.filter(train=train, eval=eval, params_key=params.key).first()
    if cached is not None:
        return Report.from_json(cached.result)
    if ItemRole.TRAIN not in train.roles:
        raise ValueError(f"snapshot {train.short} has no train rows")
    if ItemRole.EVAL not in eval.roles:
        raise ValueError(f"snapshot {eval.short} has no eval rows")
    report = contamination(
        snapshot_rows(train, role=ItemRole.TRAIN), snapshot_rows(eval, role=ItemRole.EVAL), params=params
    )
    ContaminationReport.objects.get_or_create(
        train=train, eval=eval, params_key=params.key, defaults={"result": report.to_json()}
    )
    return report


def contamination_check(
    *, train: Snapshot, eval: Snapshot, params: Params | None = None, strict: bool = False
) -> Report:
    """The report, or :class:`ContaminationError` when the training rows contain eval
    problems (an exact prompt, a normalised solution or a composite chain in common); with
    ``strict``, any finding at all (shared atom pairs, n-gram overlap) refuses too. Studies
    call this before training so no run trains on its own test set."""
    report = contamination_report(train=train, eval=eval, params=params)
    kinds = [k for k in (report.pairs if strict else BLOCKING) if report.pairs[k]]
    if kinds:
        found = ", ".join(f"{LABELS[k].lower()}: {report.eval_hit[k]}" for k in kinds)
        first = report.examples[kinds[0]][0]
        raise ContaminationError(
            f"train snapshot {train.short} contains problems of eval snapshot {eval.short} "
            f"({found} eval problems; e.g. train {first['train']} ~ eval {first['eval']})",
            report,
        )
    return report

"""The evaluation panel of a training run's page (``webapp.training.panels``): the pass@1 of
the checkpoints its cadence scheduled for evaluation, against steps, and the table of those
evaluations (``evaluations`` in the page's context). Registered in this app's ``ready``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from webapp.core.charts import ChartSpec
from webapp.evaluation.charts import during_training_chart
from webapp.evaluation.models import SuiteScore
from webapp.evaluation.selectors import run_evaluations
from webapp.training.models import TrainingRun
from webapp.training.panels import Curve, OverlayMetric, RunPanel


def run_panel_charts(run: TrainingRun) -> list[ChartSpec]:
    """The pass@1-over-steps chart of a run with a cadence; none without one."""
    return [during_training_chart(run, run_evaluations(run=run))] if run.eval_every else []


def run_panel_context(run: TrainingRun) -> dict[str, Any]:
    """``evaluations``: the run's evaluations during training, by step (the page's table)."""
    return {"evaluations": run_evaluations(run=run) if run.eval_every else []}


RUN_PANEL = RunPanel(charts=run_panel_charts, context=run_panel_context)


def pass_at_1_curves(runs: list[TrainingRun]) -> dict[int, Curve]:
    """Each run's pass@1 on its eval suite at the checkpoints its cadence evaluated, with the
    95% interval (the overlay page's chart; one query)."""
    suite = {r.pk: r.eval_snapshot_id for r in runs}
    scores = (
        SuiteScore.objects.filter(run__scheduled_by__in=runs, run__init_checkpoint__isnull=False, k=1)
        .order_by("run__scheduled_by_id", "run__init_checkpoint__step", "run_id")
        .values_list(
            "run__scheduled_by_id",
            "snapshot_id",
            "run__init_checkpoint__step",
            "estimate",
            "ci_low",
            "ci_high",
        )
    )
    curves: dict[int, Curve] = defaultdict(list)
    for run_id, snapshot_id, step, estimate, low, high in scores:
        if run_id is not None and snapshot_id == suite.get(run_id) and step is not None:
            curve = curves[run_id]
            if curve and curve[-1][0] == step:  # the same checkpoint evaluated twice: the later
                curve.pop()
            curve.append((step, estimate, low, high))
    return dict(curves)


PASS_AT_1 = OverlayMetric(
    id="pass-at-1",
    title="pass@1 during training",
    axis="pass@1",
    description="Of the checkpoints each run's cadence evaluated on its eval suite, with 95% bootstrap "
    "intervals over problems (runs with different suites or protocols are not comparable point for point).",
    curves=pass_at_1_curves,
    min=0,
    max=1,
)

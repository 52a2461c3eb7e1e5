"""The evaluation panel of a training run's page (``webapp.training.panels``): the pass@1 of
the checkpoints its cadence scheduled for evaluation, against steps, and the table of those
evaluations (``evaluations`` in the page's context). Registered in this app's ``ready``."""

from __future__ import annotations

from typing import Any

from webapp.core.charts import ChartSpec
from webapp.evaluation.charts import during_training_chart
from webapp.evaluation.selectors import run_evaluations
from webapp.training.models import TrainingRun
from webapp.training.panels import RunPanel


def run_panel_charts(run: TrainingRun) -> list[ChartSpec]:
    """The pass@1-over-steps chart of a run with a cadence; none without one."""
    return [during_training_chart(run, run_evaluations(run=run))] if run.eval_every else []


def run_panel_context(run: TrainingRun) -> dict[str, Any]:
    """``evaluations``: the run's evaluations during training, by step (the page's table)."""
    return {"evaluations": run_evaluations(run=run) if run.eval_every else []}


RUN_PANEL = RunPanel(charts=run_panel_charts, context=run_panel_context)

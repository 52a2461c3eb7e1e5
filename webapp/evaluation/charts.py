"""The pass@k table's figure: pass@k against k, one chart per suite, one series per run (the
first rows of the table as sorted), with the 95% bootstrap intervals as whiskers; and a
training run's evaluations during training: pass@1 against steps."""

from __future__ import annotations

from webapp.core.charts import Axis, ChartSpec, Series
from webapp.evaluation.models import SuiteScore
from webapp.evaluation.selectors import PassTable, RunEvaluation
from webapp.training.models import TrainingRun

#: Series per chart: past about eight, colours repeat and whiskers hide each other; the table
#: itself holds every row.
MAX_RUNS = 8


def passk_charts(table: PassTable, *, max_runs: int = MAX_RUNS) -> list[ChartSpec]:
    """One ``factor`` chart per suite of ``table`` (x: k) for its first ``max_runs`` rows."""
    suites: dict[int, list[int]] = {}
    for index, column in enumerate(table.columns):
        suites.setdefault(column.snapshot.pk, []).append(index)
    rows = table.rows[:max_runs]
    charts = []
    for snapshot_pk, indexes in suites.items():
        snapshot = table.columns[indexes[0]].snapshot
        series = []
        for row in rows:
            cells = [(table.columns[i].k, row.cells[i]) for i in indexes]
            shown = [(k, c) for k, c in cells if c is not None]
            if not shown:
                continue
            series.append(
                Series(
                    f"eval {row.run.pk} · {row.run.model_label}",
                    [k for k, _ in shown],
                    [c.estimate for _, c in shown],
                    low=[c.ci_low for _, c in shown],
                    high=[c.ci_high for _, c in shown],
                    key=f"run-{row.run.pk}",
                )
            )
        if not series:
            continue
        more = len(table.rows) - len(rows)
        which = f"; the first {len(rows)} rows of the table as sorted ({more} more below)." if more else "."
        charts.append(
            ChartSpec(
                id=f"passk-{snapshot_pk}",
                kind="factor",
                title=f"pass@k on {snapshot.short} ({snapshot.recipe.get('name', '')})",
                description="Each run's pass@k against k, with its 95% bootstrap interval over problems"
                + which,
                x_title="k",
                x_log=True,
                x_integer=True,
                y_axes=(Axis("pass@k", min=0, max=1),),
                series=tuple(series),
                intervals="whiskers",
            )
        )
    return charts


def during_training_chart(run: TrainingRun, evaluations: list[RunEvaluation]) -> ChartSpec:
    """pass@1 against steps, one series per eval suite, with the 95% intervals, from the
    SuiteScores of the evaluations the run's cadence scheduled."""
    suites: dict[int, tuple[str, list[tuple[int, SuiteScore]]]] = {}
    for ev in evaluations:
        for snapshot_id, score in ev.pass_at_1.items():
            label = f"pass@1 on {score.snapshot.short}"
            suites.setdefault(snapshot_id, (label, []))[1].append((ev.step, score))
    series = tuple(
        Series(
            label,
            [step for step, _ in points],
            [score.estimate for _, score in points],
            low=[score.ci_low for _, score in points],
            high=[score.ci_high for _, score in points],
            key=f"suite-{snapshot_id}",
        )
        for snapshot_id, (label, points) in sorted(suites.items())
    )
    return ChartSpec(
        id="evals",
        kind="line",
        title="Evaluation during training",
        description=f"pass@1 of the checkpoints every {run.eval_every} steps and the last one, with "
        "95% bootstrap intervals over problems; the table below links each evaluation.",
        x_title="step",
        y_axes=(Axis("pass@1", min=0, max=1),),
        series=series,
        # Not polled: an evaluation ends after the steps that follow its checkpoint, and a
        # poll asks only for points past the last step it has.
    )

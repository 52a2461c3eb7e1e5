"""The pass@k table's figure: pass@k against k, one chart per suite, one series per run (the
first rows of the table as sorted), with the 95% bootstrap intervals as whiskers."""

from __future__ import annotations

from webapp.core.charts import Axis, ChartSpec, Series
from webapp.evaluation.selectors import PassTable

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
                y_axes=(Axis("pass@k", min=0, max=1),),
                series=tuple(series),
                intervals="whiskers",
            )
        )
    return charts

"""A study's exported files under ``ARTIFACT_ROOT/studies/<id>/``: the bar figure (SVG, PNG
and its data as CSV, from the same chart spec the page draws) and the table with the paired
differences as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from webapp.core.artifacts import artifact_root
from webapp.core.charts import Axis, ChartSpec, Series
from webapp.core.figures import export_chart
from webapp.studies.analysis import Cell
from webapp.studies.design import StudyDesign
from webapp.studies.models import Study
from webapp.studies.summary import Comparison

TABLE_COLUMNS = [
    "arm",
    "suite",
    "k",
    "pass_at_k",
    "ci_low",
    "ci_high",
    "problems",
    "seeds",
    "seed_min",
    "seed_max",
]


def results_chart(study: Study, cells: list[Cell]) -> ChartSpec:
    """Bars per arm with intervals, one series per suite, at the smallest k (the paper's
    figures): the same spec the page draws and the PNG/SVG export."""
    k = min((c.k for c in cells), default=1)
    arms = list(dict.fromkeys(c.arm for c in cells))
    series = []
    for suite in sorted({c.suite for c in cells}):
        at = {c.arm: c.estimate for c in cells if c.suite == suite and c.k == k}
        names = [a for a in arms if a in at]
        series.append(Series.from_estimates(suite, names, [at[a] for a in names], key=suite))
    return ChartSpec(
        id=f"study-{study.pk}",
        kind="bar",
        title=f"{study.name}: pass@{k} by arm (95% CI over problems)",
        x_title="arm",
        y_axes=(Axis(f"pass@{k}", min=0, max=1),),
        series=tuple(series),
        intervals="whiskers",
    )


def table_csv(reference: str, cells: list[Cell], comparisons: list[Comparison]) -> str:
    """The table, one row per cell, with its paired difference to ``reference`` (empty for
    the reference arm itself and where the two share no problems)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*TABLE_COLUMNS, f"diff_vs_{reference}", "diff_low", "diff_high"])
    diffs = {(c.arm, c.suite, c.k): c.difference for c in comparisons}
    for c in cells:
        d = diffs.get((c.arm, c.suite, c.k))
        writer.writerow(
            [
                c.arm,
                c.suite,
                c.k,
                f"{c.estimate.value:.4f}",
                f"{c.estimate.low:.4f}",
                f"{c.estimate.high:.4f}",
                c.estimate.problems,
                c.seeds,
                f"{min(c.seed_values):.4f}",
                f"{max(c.seed_values):.4f}",
                *([f"{d.value:.4f}", f"{d.low:.4f}", f"{d.high:.4f}"] if d else ["", "", ""]),
            ]
        )
    return out.getvalue()


def results_export(
    study: Study, design: StudyDesign, cells: list[Cell], comparisons: list[Comparison]
) -> dict[str, str]:
    """Write the figure and the table; returns each file's path relative to the artifact
    root by key (``svg``, ``png``, ``csv``: the figure; ``table_csv``: the table)."""
    directory = artifact_root() / "studies" / str(study.pk)
    directory.mkdir(parents=True, exist_ok=True)
    written = export_chart(results_chart(study, cells), directory)
    table = directory / "table.csv"
    table.write_text(table_csv(design.reference, cells, comparisons), encoding="utf-8")
    root = artifact_root()
    paths = {p.suffix.lstrip("."): str(p.relative_to(root)) for p in written}
    paths["table_csv"] = str(table.relative_to(root))
    return paths


def results_path(study: Study, key: str) -> Path | None:
    """An exported file of the study (svg, png, csv, table_csv), if it exists."""
    rel = (study.results or {}).get("files", {}).get(key)
    if not rel:
        return None
    path = artifact_root() / rel
    return path if path.is_file() else None

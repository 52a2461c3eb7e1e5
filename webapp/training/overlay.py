"""Several runs' curves on one chart (``/runs/overlay/``): which runs (picked by id, by tag,
or by a source an app above registers, such as a study), and one chart per metric with one
series per run, each run one colour on every chart.

Drawing: a series longer than :data:`DRAW_POINTS` is thinned to every k-th point (its first
and last kept) and the chart's caption says so; its Download CSV asks the server for every
point (``?csv=<chart>``). Wall time comes from the worker's own event timestamps
(``RunEvent.timestamp`` of the step's ``metrics`` or ``checkpoint`` event), in minutes since
the run's first event: a resumed run's wall time includes the wait between its attempts.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Min
from django.http import QueryDict

from sandbox.categories import Category
from webapp.core.access import require_reader
from webapp.core.categories import category_label
from webapp.core.charts import PALETTE, Axis, ChartSpec, Series
from webapp.core.queries import json_list_contains
from webapp.training.models import MetricPoint, RunEvent, TrainingRun
from webapp.training.panels import Curve, overlay_metrics, run_sources
from webapp.training.progress import CATEGORY_PREFIX

#: At most this many runs on one overlay (the rest are named as left out).
MAX_RUNS = 20
#: A series with more points is thinned for drawing (the CSV keeps every point).
DRAW_POINTS = 600
#: One colour per run, the same on every chart: the chart palette without its yellow, then
#: more that stay apart on white.
RUN_COLOURS: tuple[str, ...] = (
    *PALETTE[:7],
    "#8C564B",
    "#7F7F7F",
    "#9467BD",
    "#17BECF",
    "#BCBD22",
    "#1F3A93",
    "#A50F15",
    "#006D2C",
    "#6A3D9A",
    "#B15928",
    "#525252",
    "#E7298A",
    "#66A61E",
)
WALL_TITLE = "wall time (minutes since the run's first event)"


@dataclass(frozen=True)
class Selection:
    """The runs an overlay shows and how they were picked."""

    runs: list[TrainingRun]
    how: list[str]
    left_out: int = 0
    not_found: tuple[str, ...] = ()

    @property
    def coloured(self) -> list[tuple[TrainingRun, str]]:
        """Each run with its colour (the one it has on every chart)."""
        colours = run_colours(self.runs)
        return [(r, colours[f"run-{r.pk}"]) for r in self.runs]


def overlay_selection(*, fetched_by: Any, query: QueryDict) -> Selection:
    """Runs from ``?run=ID`` (repeated), ``?tag=`` and any registered source (``?study=``),
    oldest first, at most :data:`MAX_RUNS`."""
    require_reader(fetched_by)
    ids: list[int] = []
    how: list[str] = []
    not_found: list[str] = []
    picked = [int(v) for v in query.getlist("run") if v.isdigit()]
    if picked:
        ids += picked
        how.append("runs " + ", ".join(str(i) for i in sorted(set(picked))))
    for tag in query.getlist("tag"):
        tagged = TrainingRun.objects.filter(json_list_contains("tags", tag.strip().lower()))
        ids += list(tagged.order_by("pk").values_list("pk", flat=True))
        how.append(f"tag {tag}")
    for source in run_sources():
        for value in query.getlist(source.param):
            found = source.runs(value)
            if found is None:
                not_found.append(f"{source.param} {value}")
            else:
                how.append(found[0])
                ids += found[1]
    unique = list(dict.fromkeys(ids))
    runs = {
        r.pk: r for r in TrainingRun.objects.filter(pk__in=unique[:MAX_RUNS]).select_related("created_by")
    }
    not_found += [f"run {i}" for i in unique[:MAX_RUNS] if i not in runs]
    chosen = sorted(runs.values(), key=lambda r: r.pk)
    return Selection(chosen, how, max(0, len(unique) - MAX_RUNS), tuple(not_found))


def run_label(run: TrainingRun) -> str:
    """How a legend names a run: id, method, group and tags."""
    parts = [f"run {run.pk}", run.get_method_display()]
    if run.name:
        parts.append(run.name[:30])
    if run.group:
        parts.append(f"group {run.group}")
    if run.tags:
        parts.append(", ".join(run.tags))
    return " · ".join(parts)


def run_colours(runs: Sequence[TrainingRun]) -> dict[str, str]:
    """Each run's colour by its series key (``run-<pk>``), by its place in the selection."""
    return {f"run-{r.pk}": RUN_COLOURS[i % len(RUN_COLOURS)] for i, r in enumerate(runs)}


# --- reading the curves ----------------------------------------------------------------------


def _metric_curves(runs: list[TrainingRun], names: list[str]) -> dict[str, dict[int, Curve]]:
    """``name -> run id -> curve`` of the runs' metric points (one query)."""
    out: dict[str, dict[int, Curve]] = defaultdict(lambda: defaultdict(list))
    rows = (
        MetricPoint.objects.filter(run__in=runs, name__in=names)
        .order_by("run_id", "name", "step")
        .values_list("run_id", "name", "step", "value")
    )
    for run_id, name, step, value in rows.iterator(chunk_size=20000):
        out[name][run_id].append((step, value, None, None))
    return out


class WallClock:
    """Minutes since each run's first event, at a step: the worker's timestamp of the step's
    ``metrics`` or ``checkpoint`` event, or of the nearest earlier step that has one."""

    def __init__(self, runs: list[TrainingRun]) -> None:
        firsts = RunEvent.objects.filter(run__in=runs).values("run_id").annotate(t=Min("timestamp"))
        self.first: dict[int, float] = {row["run_id"]: row["t"] for row in firsts}
        stamps: dict[int, dict[int, float]] = defaultdict(dict)
        rows = RunEvent.objects.filter(run__in=runs, type__in=("metrics", "checkpoint")).order_by("seq")
        for run_id, step, ts in rows.values_list("run_id", "step", "timestamp").iterator(chunk_size=20000):
            stamps[run_id].setdefault(step, ts)
        self.steps = {run_id: sorted(by_step) for run_id, by_step in stamps.items()}
        self.stamps = stamps

    def minutes(self, run_id: int, step: int) -> float | None:
        steps = self.steps.get(run_id)
        if not steps or run_id not in self.first:
            return None
        i = bisect.bisect_right(steps, step) - 1
        if i < 0:
            return None
        return round((self.stamps[run_id][steps[i]] - self.first[run_id]) / 60, 4)


def thin(curve: Curve, limit: int = DRAW_POINTS) -> Curve:
    """Every k-th point of ``curve`` (first and last kept) so that about ``limit`` remain."""
    if len(curve) <= limit:
        return curve
    k = math.ceil(len(curve) / limit)
    kept = curve[::k]
    return kept if kept[-1] == curve[-1] else [*kept, curve[-1]]


# --- the charts ------------------------------------------------------------------------------


#: The run's own metrics the overlay draws (its metric points): name, title, y-axis, bounds.
OWN_METRICS: tuple[tuple[str, str, Axis], ...] = (
    ("loss", "Training loss", Axis("loss")),
    ("reward", "Mean reward (RL runs)", Axis("mean reward")),
    ("kl", "KL to the initial model (RL runs)", Axis("KL")),
    ("completion_length", "Mean completion length (RL runs)", Axis("tokens", min=0)),
)
VERDICTS: tuple[str, ...] = tuple(c.value for c in Category)


@dataclass(frozen=True)
class Overlay:
    """What the page draws: the charts, and how each was thinned (chart id → points drawn
    of points stored, over all its series)."""

    charts: list[ChartSpec]
    thinned: dict[str, tuple[int, int]]


def _series(run: TrainingRun, curve: Curve, clock: WallClock, full: bool) -> tuple[Series, int]:
    drawn = curve if full else thin(curve)
    low = [p[2] for p in drawn]
    has_band = any(v is not None for v in low)
    series = Series(
        run_label(run),
        [p[0] for p in drawn],
        [p[1] for p in drawn],
        low=low if has_band else None,
        high=[p[3] for p in drawn] if has_band else None,
        key=f"run-{run.pk}",
        x_alt=[clock.minutes(run.pk, p[0]) for p in drawn],
    )
    return series, len(drawn)


def _chart(
    head: tuple[str, str, Axis, str],
    runs: list[TrainingRun],
    curves: dict[int, Curve],
    *,
    clock: WallClock,
    full: bool,
    csv_url: str,
) -> tuple[ChartSpec, tuple[int, int]]:
    cid, title, axis, description = head
    made = [_series(r, curves[r.pk], clock, full) for r in runs if curves.get(r.pk)]
    stored = sum(len(curves[r.pk]) for r in runs if curves.get(r.pk))
    drawn = sum(n for _, n in made)
    note = (
        f" Drawn from {drawn} of {stored} points (every k-th step of a long run); the CSV has all."
        if drawn < stored
        else ""
    )
    spec = ChartSpec(
        id=cid,
        kind="line",
        title=title,
        description=(description + note).strip(),
        x_title="step",
        y_axes=(axis,),
        series=tuple(s for s, _ in made),
        colours=run_colours(runs),
        x_alt_title=WALL_TITLE,
        csv_url=csv_url,
    )
    return spec, (drawn, stored)


def overlay_charts(
    runs: list[TrainingRun], *, verdict: str = "passed", csv_base: str = "", full: bool = False
) -> Overlay:
    """One chart per metric (those no selected run logged are left out), one series per run.
    ``full`` keeps every point (the CSV); ``csv_base`` is the page's URL for each chart's CSV."""
    names = [m[0] for m in OWN_METRICS] + [f"{CATEGORY_PREFIX}{verdict}"]
    curves = _metric_curves(runs, names)
    clock = WallClock(runs)
    plan: list[tuple[str, str, Axis, str, dict[int, Curve]]] = [
        (n.replace("_", "-"), title, axis, "", curves.get(n, {})) for n, title, axis in OWN_METRICS
    ]
    plan.append((
        "verdict",
        f"Share of rollouts judged “{category_label(verdict)}” (RL runs)",
        Axis("share of the step's rollouts", min=0, max=1),
        "The sandbox's verdict on each step's completions; pick another verdict above the charts.",
        curves.get(f"{CATEGORY_PREFIX}{verdict}", {}),
    ))  # fmt: skip
    for m in overlay_metrics():
        plan.append((m.id, m.title, Axis(m.axis, min=m.min, max=m.max), m.description, m.curves(runs)))
    charts, thinned = [], {}
    for cid, title, axis, description, by_run in plan:
        if not any(by_run.get(r.pk) for r in runs):
            continue
        csv_url = f"{csv_base}&csv={cid}" if csv_base else ""
        spec, counts = _chart(
            (cid, title, axis, description), runs, by_run, clock=clock, full=full, csv_url=csv_url
        )
        charts.append(spec)
        thinned[cid] = counts
    return Overlay(charts, thinned)

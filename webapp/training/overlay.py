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

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Mod
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


@dataclass(frozen=True)
class Stride:
    """Which of a run's steps are drawn: those ``every`` steps apart from its first logged
    step, and its last (every step when ``every`` is 1)."""

    first: int
    last: int
    every: int

    def keep(self, field: str = "step") -> Q:
        """Rows at the drawn steps (PostgreSQL and SQLite alike)."""
        if self.every <= 1:
            return Q()
        return Q(**{f"{field}__gte": self.first}) & (
            Q(stride_offset=0) | Q(**{field: self.last})  # annotated by :meth:`annotate`
        )

    def annotate(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        if self.every <= 1:
            return rows
        annotated: QuerySet[Any] = rows.annotate(stride_offset=Mod(F("step") - self.first, self.every))
        return annotated


def strides(
    runs: list[TrainingRun], names: list[str], *, full: bool
) -> tuple[dict[int, Stride], dict[tuple[str, int], int]]:
    """Each run's :class:`Stride` (about :data:`DRAW_POINTS` steps of its longest metric;
    every step when ``full``), and how many points each ``(metric, run)`` stores (one query)."""
    counts: dict[tuple[str, int], int] = {}
    span: dict[int, tuple[int, int, int]] = {}
    rows = (
        MetricPoint.objects.filter(run__in=runs, name__in=names)
        .values("run_id", "name")
        .annotate(n=Count("id"), lo=Min("step"), hi=Max("step"))
    )
    for row in rows:
        counts[(row["name"], row["run_id"])] = row["n"]
        n, lo, hi = span.get(row["run_id"], (0, row["lo"], row["hi"]))
        span[row["run_id"]] = (max(n, row["n"]), min(lo, row["lo"]), max(hi, row["hi"]))
    out = {}
    for run_id, (n, lo, hi) in span.items():
        every = 1
        if not full and n > DRAW_POINTS:
            # Steps between two logged points, times how many logged points to skip.
            every = max(1, round(math.ceil(n / DRAW_POINTS) * (hi - lo) / max(1, n - 1)))
        out[run_id] = Stride(lo, hi, every)
    return out, counts


def _metric_curves(
    runs: list[TrainingRun], names: list[str], steps: dict[int, Stride]
) -> dict[str, dict[int, Curve]]:
    """``name -> run id -> curve`` of the runs' metric points at their drawn steps (one
    query per run that is thinned, one for the rest)."""
    out: dict[str, dict[int, Curve]] = defaultdict(lambda: defaultdict(list))
    whole = [r.pk for r in runs if r.pk in steps and steps[r.pk].every <= 1]
    queries = [MetricPoint.objects.filter(run_id__in=whole, name__in=names)] if whole else []
    for run_id, stride in steps.items():
        if stride.every > 1:
            rows = stride.annotate(MetricPoint.objects.filter(run_id=run_id, name__in=names))
            queries.append(rows.filter(stride.keep()))
    for query in queries:
        rows = query.order_by("run_id", "name", "step").values_list("run_id", "name", "step", "value")
        for run_id, name, step, value in rows:
            out[name][run_id].append((step, value, None, None))
    return out


class WallClock:
    """Minutes since each run's first event, at a step: the worker's timestamp of the step's
    ``metrics`` or ``checkpoint`` event, or of the nearest earlier step that has one (only
    the drawn steps' ``metrics`` events are read, and every checkpoint's)."""

    def __init__(self, runs: list[TrainingRun], steps: dict[int, Stride]) -> None:
        firsts = RunEvent.objects.filter(run__in=runs).values("run_id").annotate(t=Min("timestamp"))
        self.first: dict[int, float] = {row["run_id"]: row["t"] for row in firsts}
        stamps: dict[int, dict[int, float]] = defaultdict(dict)
        for run in runs:
            stride = steps.get(run.pk, Stride(0, 0, 1))
            events = stride.annotate(RunEvent.objects.filter(run=run))
            events = events.filter(Q(type="checkpoint") | (Q(type="metrics") & stride.keep()))
            for step, ts in events.order_by("seq").values_list("step", "timestamp"):
                stamps[run.pk].setdefault(step, ts)
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
    stored: int,
) -> tuple[ChartSpec, tuple[int, int]]:
    cid, title, axis, description = head
    made = [_series(r, curves[r.pk], clock, full) for r in runs if curves.get(r.pk)]
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
    verdict_name = f"{CATEGORY_PREFIX}{verdict}"
    names = [m[0] for m in OWN_METRICS] + [verdict_name]
    steps, counts = strides(runs, names, full=full)
    curves = _metric_curves(runs, names, steps)
    clock = WallClock(runs, steps)

    def stored(name: str) -> int:
        return sum(counts.get((name, r.pk), 0) for r in runs)

    plan: list[tuple[str, str, Axis, str, dict[int, Curve], int]] = [
        (n.replace("_", "-"), title, axis, "", curves.get(n, {}), stored(n)) for n, title, axis in OWN_METRICS
    ]
    plan.append((
        "verdict",
        f"Share of rollouts judged “{category_label(verdict)}” (RL runs)",
        Axis("share of the step's rollouts", min=0, max=1),
        "The sandbox's verdict on each step's completions; pick another verdict above the charts.",
        curves.get(verdict_name, {}),
        stored(verdict_name),
    ))  # fmt: skip
    for m in overlay_metrics():
        by_run = m.curves(runs)
        plan.append((m.id, m.title, Axis(m.axis, min=m.min, max=m.max), m.description, by_run, 0))
    charts, thinned = [], {}
    for cid, title, axis, description, by_run, n in plan:
        if not any(by_run.get(r.pk) for r in runs):
            continue
        n = n or sum(len(by_run.get(r.pk, [])) for r in runs)
        csv_url = f"{csv_base}&csv={cid}" if csv_base else ""
        spec, drawn = _chart(
            (cid, title, axis, description), runs, by_run, clock=clock, full=full, csv_url=csv_url, stored=n
        )
        charts.append(spec)
        thinned[cid] = drawn
    return Overlay(charts, thinned)

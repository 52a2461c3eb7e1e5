"""The run page's curves, built from the run's metric points, then the charts that apps above
training add (``webapp.training.panels``): one function draws the page and answers its polls
(``?after=STEP``), so both always agree."""

from __future__ import annotations

from django.urls import reverse

from sandbox.categories import Category
from webapp.core.categories import category_colour, category_label
from webapp.core.charts import Axis, ChartSpec, Series
from webapp.training.models import Method, TrainingRun
from webapp.training.panels import panel_charts
from webapp.training.progress import CATEGORY_PREFIX
from webapp.training.selectors import Points, metric_series
from webapp.training.telemetry import telemetry_charts

#: Rollout categories in the order the legend lists them: the one vocabulary of verdicts.
CATEGORY_ORDER: tuple[str, ...] = tuple(c.value for c in Category)


def _series(points: dict[str, Points], name: str, label: str = "", axis: int = 0) -> Series:
    return Series.from_points(label or name, points.get(name, []), axis=axis, key=name)


def _beta(run: TrainingRun) -> float | None:
    beta = (run.config or {}).get("beta")
    return float(beta) if isinstance(beta, int | float) else None


def _shows_kl(run: TrainingRun, points: dict[str, Points]) -> bool:
    """A KL axis only where there is or will be a KL curve: not with beta 0 (no KL penalty,
    and TRL logs none), nor for a run that ended without logging one."""
    if _beta(run) == 0.0:
        return False
    return bool(points.get("kl")) or not run.finished


def _reward_chart(run: TrainingRun, points: dict[str, Points], live: str) -> ChartSpec:
    reward = _series(points, "reward", "mean reward")
    if not _shows_kl(run, points):
        return ChartSpec(
            id="reward",
            kind="line",
            title="Mean reward",
            description="No KL curve: "
            + ("the KL penalty (beta) is 0." if _beta(run) == 0.0 else "the run logged none."),
            x_title="step",
            y_axes=(Axis("mean reward"),),
            series=(reward,),
            poll_url=live,
        )
    return ChartSpec(
        id="reward",
        kind="line",
        title="Mean reward and KL to the initial model",
        x_title="step",
        y_axes=(Axis("mean reward"), Axis("KL")),
        series=(reward, _series(points, "kl", "KL", axis=1)),
        poll_url=live,
    )


def run_charts(run: TrainingRun, *, after: float | None = None) -> list[ChartSpec]:
    """The run's charts; ``after`` keeps only later points (a poll's answer)."""
    points = metric_series(run=run, after=after)
    live = "" if run.finished else reverse("run-metrics", args=[run.pk])
    charts = [
        ChartSpec(
            id="loss",
            kind="line",
            title="Training loss and learning rate",
            x_title="step",
            y_axes=(Axis("loss"), Axis("learning rate")),
            series=(_series(points, "loss"), _series(points, "learning_rate", "learning rate", axis=1)),
            poll_url=live,
        )
    ]
    if run.method != Method.SFT:
        # Every category from the start; any other name the worker sends, after. Each keeps the
        # colour and label it has on the evaluation pages.
        seen = {n[len(CATEGORY_PREFIX) :] for n in points if n.startswith(CATEGORY_PREFIX)}
        names = (*CATEGORY_ORDER, *sorted(seen - set(CATEGORY_ORDER)))
        charts += [
            _reward_chart(run, points, live),
            ChartSpec(
                id="length",
                kind="line",
                title="Mean completion length",
                x_title="step",
                y_axes=(Axis("tokens", min=0),),
                series=(_series(points, "completion_length", "completion length"),),
                poll_url=live,
            ),
            ChartSpec(
                id="categories",
                kind="line",
                title="Rollouts by sandbox verdict",
                description="Share of each step's completions: passed, wrong answer, errors, timeouts, "
                "crashes, attempts the sandbox rejected as tampering, and answers with no code.",
                x_title="step",
                y_axes=(Axis("share of rollouts", min=0, max=1),),
                series=tuple(_series(points, f"{CATEGORY_PREFIX}{c}", category_label(c)) for c in names),
                poll_url=live,
                colours={f"{CATEGORY_PREFIX}{c}": category_colour(c) for c in names},
            ),
        ]
    # Where the time goes (split by stage for RL), tokens/s and peak memory.
    charts += telemetry_charts(points, live=live, split=run.method != Method.SFT)
    # What apps above training add (evaluation during training), on the page and in polls.
    return charts + panel_charts(run)

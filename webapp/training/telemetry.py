"""What the GPU worker reports about a run itself, read for the run page and the runs list:
where each step's time goes (a stacked chart), tokens per second and peak memory, the time
left (:mod:`webapp.training.eta`), and the tail of the worker's log for the job (its
``log_batch`` events, see :mod:`training_worker.joblog`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from training_worker.contracts import (
    METRIC_GENERATION_S,
    METRIC_PEAK_CUDA_MB,
    METRIC_PEAK_RSS_MB,
    METRIC_REWARD_S,
    METRIC_STEP_S,
    METRIC_TOKENS_PER_S,
    METRIC_UPDATE_S,
)
from webapp.core.charts import Axis, ChartSpec, Series
from webapp.core.joblog import TAIL_LINES, LogTail, tail_of
from webapp.core.jobtime import duration_text
from webapp.core.models import JobStatus
from webapp.training.eta import ETA_WINDOW, Eta, eta_from
from webapp.training.models import MetricPoint, RunEvent, TrainingRun

#: The RL split, bottom to top of the stack, with its legend label.
STAGES: tuple[tuple[str, str], ...] = (
    (METRIC_GENERATION_S, "generation (rollouts)"),
    (METRIC_REWARD_S, "reward (sandbox)"),
    (METRIC_UPDATE_S, "update (log-probs, backward, optimizer)"),
)
#: Peak memory: the metric the worker sent says what it measured.
MEMORY: tuple[tuple[str, str], ...] = (
    (METRIC_PEAK_CUDA_MB, "peak memory: CUDA max allocated (MiB)"),
    (METRIC_PEAK_RSS_MB, "peak memory: worker process RSS (MiB)"),
)

Points = dict[str, list[tuple[int, float | None]]]


def _series(points: Points, name: str, label: str, axis: int = 0) -> Series:
    return Series.from_points(label, points.get(name, []), axis=axis, key=name)


def telemetry_charts(points: Points, *, live: str, split: bool) -> list[ChartSpec]:
    """The time-per-step chart (stacked by stage when ``split``: RL, whose worker splits the
    step; decided by the method, not the points, so a chart drawn before the first step polls
    the same series) and the tokens-per-second and peak-memory chart."""
    series = tuple(_series(points, n, label) for n, label in STAGES) if split else (
        _series(points, METRIC_STEP_S, "step"),
    )  # fmt: skip
    memory_name, memory_label = next(((n, lab) for n, lab in MEMORY if n in points), MEMORY[1])
    return [
        ChartSpec(
            id="time",
            kind="line",
            title="Time per step",
            description="Mean wall time per optimizer step since the previous logged step, measured by "
            "the worker (rank 0). RL splits it into generating the rollouts, the reward (every reward "
            "function: the sandbox judging the code) and the update (the rest). Saving checkpoints "
            "and sending events are not in it.",
            x_title="step",
            y_axes=(Axis("seconds per step", min=0),),
            series=series,
            stacked=split,
            poll_url=live,
        ),
        ChartSpec(
            id="throughput",
            kind="line",
            title="Tokens per second and peak memory",
            description="Tokens the trainer counted (RL: prompt and completion tokens) per second of "
            "step time; peak memory as the worker measured it: CUDA's max allocated for this job, "
            "or without CUDA the worker process's peak resident memory since it started.",
            x_title="step",
            y_axes=(Axis("tokens per second", min=0), Axis("MiB", min=0)),
            series=(
                _series(points, METRIC_TOKENS_PER_S, "tokens/s"),
                _series(points, memory_name, memory_label, axis=1),
            ),
            poll_url=live,
        ),
    ]


def run_eta(run: TrainingRun) -> Eta | None:
    """The time a running run has left (None when it is not running, is being cancelled (it
    stops at the end of its step), has no ``max_steps``, or logged fewer than two steps in
    this attempt)."""
    if run.status != JobStatus.RUNNING or run.cancel_requested or not run.max_steps:
        return None
    recent = (
        RunEvent.objects.filter(run=run, type="metrics", seq__gt=run.seq_floor)
        .order_by("-seq")
        .values_list("step", "timestamp")[: ETA_WINDOW + 1]
    )
    return eta_from(sorted(recent), max_steps=run.max_steps)


def log_tail(run: TrainingRun, *, limit: int = TAIL_LINES) -> LogTail:
    """The last ``limit`` lines the worker logged for ``run`` (every attempt, in order): its
    ``log_batch`` events, read by the shared :func:`webapp.core.joblog.tail_of`."""
    events = RunEvent.objects.filter(run=run, type="log_batch").order_by("-seq")
    return tail_of(events.values_list("payload", flat=True)[:limit], limit=limit)


#: Steps whose ``time/step_s`` say how long a step takes, for "stops at the end of the current
#: step" (the newest, each already a mean over the steps since the previous logged one).
STEP_WINDOW = 5


@dataclass(frozen=True)
class StepTime:
    """How long a step of a run takes: the median of its last ``points`` ``time/step_s``."""

    seconds: float
    points: int

    @property
    def text(self) -> str:
        """ "about 12 s" ("about 0.4 s" under ten seconds)."""
        return f"about {self.seconds:.1f} s" if self.seconds < 10 else f"about {duration_text(self.seconds)}"


def step_time(run: TrainingRun) -> StepTime | None:
    """The run's step time from its newest :data:`STEP_WINDOW` ``time/step_s`` points, or None
    before the worker timed a step."""
    points = (
        MetricPoint.objects.filter(run=run, name=METRIC_STEP_S, value__isnull=False)
        .order_by("-step")
        .values_list("value", flat=True)[:STEP_WINDOW]
    )
    values = [float(v) for v in points if v is not None]
    return StepTime(statistics.median(values), len(values)) if values else None

"""Reads of the training app (STYLE rules 2 and 3): every logged-in user reads runs; acting on
one (cancel, resume) is checked by the service (``webapp.core.access.require_owner_or_admin``)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from training_worker.storage import Storage, StorageError
from webapp.core.access import require_reader
from webapp.core.labels import LabelFilters
from webapp.core.models import JobStatus
from webapp.core.queue import GpuJobSource
from webapp.mixtures.models import Snapshot
from webapp.training.models import Checkpoint, Method, MetricPoint, RunEvent, TrainingRun


@dataclass(frozen=True)
class RunFilters:
    """The run list's filters, from the query string."""

    status: str = ""
    method: str = ""
    owner: str = ""
    snapshot: str = ""
    q: str = ""
    labels: LabelFilters = field(default_factory=LabelFilters)

    @classmethod
    def from_query(cls, query: QueryDict) -> RunFilters:
        """Unknown values are ignored rather than refused (a stale bookmark still opens)."""
        status = query.get("status", "")
        method = query.get("method", "")
        return cls(
            status=status if status in JobStatus.values else "",
            method=method if method in Method.values else "",
            owner=query.get("owner", "").strip()[:150],
            snapshot=query.get("snapshot", "").strip().lower()[:64],
            q=query.get("q", "").strip()[:200],
            labels=LabelFilters.from_query(query),
        )


def run_list(*, fetched_by: Any, filters: RunFilters | None = None) -> QuerySet[TrainingRun]:
    """Runs, newest first, filtered."""
    require_reader(fetched_by)
    runs = TrainingRun.objects.select_related("created_by", "train_snapshot", "eval_snapshot")
    f = filters or RunFilters()
    if f.status:
        runs = runs.filter(status=f.status)
    if f.method:
        runs = runs.filter(method=f.method)
    if f.owner:
        runs = runs.filter(created_by__username=f.owner)
    if f.snapshot:
        runs = runs.filter(
            Q(train_snapshot__sha256__startswith=f.snapshot) | Q(eval_snapshot__sha256__startswith=f.snapshot)
        )
    if f.q:
        runs = runs.filter(Q(name__icontains=f.q) | Q(model__icontains=f.q))
    return f.labels.apply(runs).order_by("-created_at", "-pk")


def run_tags(*, fetched_by: Any, limit: int = 200) -> list[str]:
    """Every tag some run carries, sorted (the overlay's pick by tag)."""
    require_reader(fetched_by)
    tags: set[str] = set()
    for row in TrainingRun.objects.order_by("-pk").values_list("tags", flat=True)[:5000]:
        tags.update(t for t in row or [] if isinstance(t, str))
    return sorted(tags)[:limit]


def run_get(*, run_id: int, fetched_by: Any) -> TrainingRun:
    """A run for reading (404 when missing)."""
    require_reader(fetched_by)
    return get_object_or_404(
        TrainingRun.objects.select_related(
            "created_by", "train_snapshot", "eval_snapshot", "init_checkpoint__run", "cloned_from"
        ),
        pk=run_id,
    )


def checkpoint_get(*, run: TrainingRun, step: int) -> Checkpoint:
    """``run``'s checkpoint at ``step`` (404 when it has none there, or its files are gone)."""
    checkpoint = get_object_or_404(Checkpoint.objects.select_related("run"), run=run, step=step)
    if not Storage(checkpoint.uri).exists():
        raise Http404(f"the files of run {run.pk}'s checkpoint at step {step} are gone")
    return checkpoint


def runs_of_snapshot(*, snapshot: Snapshot, fetched_by: Any, limit: int = 20) -> list[TrainingRun]:
    """Runs that trained or evaluated on ``snapshot`` (for the snapshot's page)."""
    require_reader(fetched_by)
    runs = TrainingRun.objects.filter(Q(train_snapshot=snapshot) | Q(eval_snapshot=snapshot))
    return list(runs.select_related("created_by").order_by("-created_at")[:limit])


def trained_on(run: TrainingRun) -> list[Snapshot]:
    """The snapshots whose train rows shaped ``run``'s weights: its own train snapshot, then
    those of the runs whose checkpoint it started from (an RL run from an SFT checkpoint has
    seen both), nearest first."""
    seen: list[Snapshot] = []
    runs: set[int] = set()
    current: TrainingRun | None = run
    while current is not None and current.pk not in runs:
        runs.add(current.pk)
        if current.train_snapshot is not None and current.train_snapshot not in seen:
            seen.append(current.train_snapshot)
        checkpoint = current.init_checkpoint
        current = checkpoint.run if checkpoint is not None else None
    return seen


def runs_started_from(*, run: TrainingRun) -> list[TrainingRun]:
    """Runs initialised from one of ``run``'s checkpoints (links both ways)."""
    return list(TrainingRun.objects.filter(init_checkpoint__run=run).order_by("-created_at"))


Points = list[tuple[int, float | None]]


def metric_series(*, run: TrainingRun, after: float | None = None) -> dict[str, Points]:
    """Every metric's ``(step, value)`` points in step order, optionally only past ``after``."""
    points = MetricPoint.objects.filter(run=run)
    if after is not None:
        points = points.filter(step__gt=after)
    series: dict[str, Points] = defaultdict(list)
    for name, step, value in points.order_by("name", "step").values_list("name", "step", "value"):
        series[name].append((step, value))
    return dict(series)


@dataclass(frozen=True)
class TrainingSummary:
    """A run's curve in one line: loss at its first and last logged step, and the mean
    reward over its steps (RL runs), for pages that list many runs (a study's arms)."""

    steps: int
    loss_first: float | None
    loss_last: float | None
    reward_mean: float | None

    def text(self) -> str:
        """``"loss 0.88 → 0.38"`` or ``"reward 0.113 (mean of 8 steps)"``; empty before any step."""
        if self.reward_mean is not None:
            return f"reward {self.reward_mean:.3f} (mean of {self.steps} steps)"
        if self.loss_first is not None and self.loss_last is not None:
            return f"loss {self.loss_first:.2f} → {self.loss_last:.2f} ({self.steps} steps)"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text()}


def training_summaries(run_ids: list[int]) -> dict[int, TrainingSummary]:
    """:class:`TrainingSummary` of each run in ``run_ids`` that logged a loss or a reward
    (one query)."""
    points = (
        MetricPoint.objects.filter(run_id__in=run_ids, name__in=("loss", "reward"), value__isnull=False)
        .order_by("run_id", "step")
        .values_list("run_id", "name", "value")
    )
    series: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run_id, name, value in points:
        if value is not None:  # filtered out above; this is for the type checker
            series[run_id][name].append(value)
    out = {}
    for run_id, by_name in series.items():
        loss, reward = by_name.get("loss", []), by_name.get("reward", [])
        out[run_id] = TrainingSummary(
            steps=len(reward) if reward else len(loss),  # the steps the line speaks of
            loss_first=loss[0] if loss else None,
            loss_last=loss[-1] if loss else None,
            reward_mean=sum(reward) / len(reward) if reward else None,
        )
    return out


def run_log(*, run: TrainingRun, limit: int = 60) -> list[RunEvent]:
    """The last ``limit`` log-worthy events (logs, start, checkpoints, the end), oldest first."""
    kinds = ["log", "started", "checkpoint", "finished", "failed", "cancelled"]
    recent = RunEvent.objects.filter(run=run, type__in=kinds).order_by("-seq")[:limit]
    return list(reversed(list(recent)))


@dataclass(frozen=True)
class RolloutStep:
    """One logged RL step's rollouts file."""

    step: int
    uri: str
    rows: int
    categories: dict[str, int]


def rollout_steps(*, run: TrainingRun) -> list[RolloutStep]:
    """The steps with a rollouts file, from the run's ``generations`` events."""
    out: dict[int, RolloutStep] = {}
    for event in RunEvent.objects.filter(run=run, type="generations").order_by("seq"):
        uri = event.payload.get("uri")
        if isinstance(uri, str):
            out[event.step] = RolloutStep(
                event.step,
                uri,
                int(event.payload.get("rows") or 0),
                dict(event.payload.get("categories") or {}),
            )
    return [out[s] for s in sorted(out)]


def rollouts_at(*, run: TrainingRun, step: int) -> list[dict[str, Any]]:
    """The completions of one step with their verdicts, read from the run's rollouts file
    through the artifact store. 404 when the step has none."""
    found = {s.step: s for s in rollout_steps(run=run)}.get(step)
    if found is None:
        raise Http404(f"run {run.pk} logged no rollouts at step {step}")
    folder, _, name = found.uri.rpartition("/")
    try:
        text = Storage(folder).read_text(name)
    except StorageError as exc:
        raise Http404(f"the rollouts file is missing: {exc}") from None
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k in sorted(value):
            _flat(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    else:
        out[prefix] = value


def run_facts(run: TrainingRun) -> dict[str, Any]:
    """What defines a run, flattened to ``name -> value`` (what Compare configs diffs)."""
    facts: dict[str, Any] = {
        "method": run.method,
        "model": run.model,
        "base_model": run.base_model,
        "init_checkpoint": run.init_checkpoint.uri if run.init_checkpoint else None,
        "train_snapshot": run.train_snapshot.sha256,
        "eval_snapshot": run.eval_snapshot.sha256 if run.eval_snapshot else None,
        "seed": run.seed,
        "eval_every": run.eval_every,
    }
    _flat("config", run.config, facts)
    repro = run.reproducibility or {}
    _flat("versions", repro.get("versions") or {}, facts)
    facts["code_revision"] = repro.get("code_revision")
    facts["host"] = repro.get("host")
    return facts


@dataclass(frozen=True)
class FactDiff:
    """One line of Compare configs."""

    name: str
    left: Any
    right: Any

    @property
    def same(self) -> bool:
        return bool(self.left == self.right)


def run_compare(*, left: TrainingRun, right: TrainingRun) -> list[FactDiff]:
    """Every fact of either run, side by side (the page shows the differing ones first)."""
    a, b = run_facts(left), run_facts(right)
    names = list(a) + [k for k in b if k not in a]
    return [FactDiff(n, a.get(n), b.get(n)) for n in names]


def run_status(*, run: TrainingRun) -> dict[str, Any]:
    """What ``manage.py run_status --json`` prints."""
    series = metric_series(run=run)
    return {
        "id": run.pk,
        "job_id": run.job_id,
        "status": run.status,
        "method": run.method,
        "model": run.model,
        "attempt": run.attempt,
        "step": run.step,
        "max_steps": run.max_steps,
        "last_metrics": run.last_metrics,
        "metrics": {name: len(points) for name, points in sorted(series.items())},
        "checkpoints": [c.uri for c in run.checkpoints.order_by("step")],
        "error": run.error,
        "train_snapshot": run.train_snapshot.sha256,
        "eval_snapshot": run.eval_snapshot.sha256 if run.eval_snapshot else None,
    }


#: Training runs on the GPU queue page (``webapp.core.queue``); a run's kind is its method.
RUNS_ON_GPU = GpuJobSource(
    prefix="run-",
    noun="training run",
    waiting=lambda: TrainingRun.objects.filter(status=JobStatus.QUEUED),
    running=lambda: TrainingRun.objects.filter(status=JobStatus.RUNNING),
    finished=lambda: TrainingRun.objects.filter(status=JobStatus.SUCCEEDED).order_by("-finished_at"),
    kind_of=lambda run: str(run.method),
    url_of=lambda run: reverse("run", args=[run.pk]),
)

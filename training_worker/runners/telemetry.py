"""Where a training step's time goes: the step's wall time, split for RL into generation,
reward and update; tokens per second; peak memory (the metric names and their meaning are in
:mod:`training_worker.contracts`).

The split comes from timing two of the trainer's own methods on this one trainer object
(``_generate``: the rollouts; ``_calculate_rewards``: every reward function, i.e. the
sandbox), both in TRL's GRPO and RLOO trainers. They are private names: a TRL version that
renames them loses the split (a warning says so in the job's log) but keeps the step time.
Only rank 0 reports, as for every other metric.
"""

from __future__ import annotations

import functools
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

import torch

from training_worker.contracts import (
    METRIC_GENERATION_S,
    METRIC_PEAK_CUDA_MB,
    METRIC_PEAK_RSS_MB,
    METRIC_REWARD_S,
    METRIC_STEP_S,
    METRIC_TOKENS_PER_S,
    METRIC_UPDATE_S,
)

log = logging.getLogger("training_worker.progress")

#: The trainer methods timed as RL stages: (attribute, stage).
RL_STAGES: tuple[tuple[str, str], ...] = (("_generate", "generation"), ("_calculate_rewards", "reward"))

#: The split's parts in the order the log line and the chart give them.
STAGE_METRICS: tuple[tuple[str, str], ...] = (
    ("generation", METRIC_GENERATION_S),
    ("reward", METRIC_REWARD_S),
    ("update", METRIC_UPDATE_S),
)


class StepTelemetry:
    """Accumulates step and stage times between two logging steps; :meth:`metrics` turns them
    into per-step means and starts a new window."""

    def __init__(self, *, cuda: bool) -> None:
        self.cuda = cuda
        self.stages: dict[str, float] = {}
        self.step_seconds = 0.0
        self.steps = 0
        self.tokens_seen: float | None = None
        self._step_start: float | None = None

    def time_stages(self, trainer: Any, stages: tuple[tuple[str, str], ...] = RL_STAGES) -> None:
        """Wrap ``trainer``'s stage methods so that each call adds its duration to its stage."""
        for attribute, stage in stages:
            method = getattr(trainer, attribute, None)
            if method is None:
                log.warning("this TRL has no %s: the step's %s time is not measured", attribute, stage)
                continue
            self.stages[stage] = 0.0
            setattr(trainer, attribute, self._timed(method, stage))

    def _timed(self, method: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.stages[stage] += time.perf_counter() - start

        return timed

    def train_begins(self, tokens_seen: float) -> None:
        """The token count the first window starts from (a resumed run's is not zero)."""
        self.tokens_seen = tokens_seen
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()

    def step_begins(self) -> None:
        """An optimizer step starts."""
        self._step_start = time.perf_counter()

    def step_ends(self) -> None:
        """An optimizer step ended (CUDA's queued work counted in it)."""
        if self._step_start is None:
            return
        if self.cuda:
            torch.cuda.synchronize()
        self.step_seconds += time.perf_counter() - self._step_start
        self.steps += 1
        self._step_start = None

    def metrics(self, tokens_seen: float | None) -> dict[str, float]:
        """Per-step means over the window since the last call, then a fresh window.
        ``tokens_seen`` is the trainer's running token count (None when it keeps none)."""
        out: dict[str, float] = {}
        if self.steps:
            out[METRIC_STEP_S] = self.step_seconds / self.steps
            if "generation" in self.stages and "reward" in self.stages:
                out[METRIC_GENERATION_S] = self.stages["generation"] / self.steps
                out[METRIC_REWARD_S] = self.stages["reward"] / self.steps
                rest = out[METRIC_STEP_S] - out[METRIC_GENERATION_S] - out[METRIC_REWARD_S]
                out[METRIC_UPDATE_S] = max(0.0, rest)
            start = self.tokens_seen
            if (
                tokens_seen is not None
                and start is not None
                and tokens_seen > start
                and self.step_seconds > 0
            ):
                out[METRIC_TOKENS_PER_S] = (tokens_seen - start) / self.step_seconds
        out.update(peak_memory(self.cuda))
        self.tokens_seen = tokens_seen if tokens_seen is not None else self.tokens_seen
        self.stages = dict.fromkeys(self.stages, 0.0)
        self.step_seconds, self.steps = 0.0, 0
        return out


def peak_memory(cuda: bool) -> dict[str, float]:
    """``{name: MiB}``: CUDA's max allocated on this device, else the process's peak RSS."""
    if cuda:
        return {METRIC_PEAK_CUDA_MB: torch.cuda.max_memory_allocated() / 2**20}
    # ru_maxrss is in KiB on Linux.
    return {METRIC_PEAK_RSS_MB: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def progress_line(step: int, max_steps: int, metrics: dict[str, float]) -> str:
    """One line of the job's log for a logging step: where it is, its loss or reward, and
    where the time went."""
    parts = [f"step {step}/{max_steps}" if max_steps > 0 else f"step {step}"]
    for name in ("loss", "reward"):
        if name in metrics:
            parts.append(f"{name} {metrics[name]:.4g}")
    if METRIC_STEP_S in metrics:
        split = ""
        if METRIC_GENERATION_S in metrics:
            split = " (" + ", ".join(f"{label} {metrics[name]:.2f} s" for label, name in STAGE_METRICS) + ")"
        parts.append(f"{metrics[METRIC_STEP_S]:.2f} s/step{split}")
    if METRIC_TOKENS_PER_S in metrics:
        parts.append(f"{metrics[METRIC_TOKENS_PER_S]:.0f} tokens/s")
    return " · ".join(parts)

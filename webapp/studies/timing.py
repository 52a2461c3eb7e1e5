"""How long a study takes: an ETA while it runs, its duration when it has ended.

The ETA adds up the GPU jobs the study still has to run (each unfinished arm's training and
evaluation, the base model's evaluation), one at a time, each at the median duration of the
jobs of the same kind this study already finished, else of recent similar jobs anywhere
(``webapp.core.queue``), minus what the running ones have already worked. The page says
which it used and how many jobs that is. Synthesis, freezing and judging (cpu work, seconds
to a minute) are not counted. The duration when done is the wall clock from creation to the
end, and the sum of every job's working time (``webapp.core.jobtime``, every attempt).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from webapp.core.jobtime import duration_text, job_seconds, span_seconds
from webapp.core.models import JobStatus
from webapp.core.queue import GpuJobSource, expected_duration
from webapp.evaluation.selectors import EVALS_ON_GPU
from webapp.studies.models import Study
from webapp.studies.selectors import study_design
from webapp.training.selectors import RUNS_ON_GPU


@dataclass(frozen=True)
class StudyTiming:
    """What the study page says about time."""

    text: str  # one sentence, what the estimate rests on included
    job_seconds: float  # the sum of its jobs' working time so far
    jobs: int


def _jobs(study: Study) -> list[tuple[GpuJobSource, Any]]:
    """Every GPU job the study has made so far."""
    jobs: list[tuple[GpuJobSource, Any]] = [(EVALS_ON_GPU, study.base_eval)] if study.base_eval else []
    for unit in study.units.select_related("training_run", "eval_run"):
        jobs += [(RUNS_ON_GPU, unit.training_run)] if unit.training_run else []
        jobs += [(EVALS_ON_GPU, unit.eval_run)] if unit.eval_run else []
    return jobs


def _remaining(study: Study, made: list[tuple[GpuJobSource, Any]]) -> list[tuple[GpuJobSource, str, Any]]:
    """(source, kind, the row when it exists) of every job not yet succeeded, made or not."""
    todo = [(s, s.kind_of(j), j) for s, j in made if j.status != JobStatus.SUCCEEDED]
    methods = {arm.name: arm.method for arm in study_design(study).arms}
    for unit in study.units.all():
        if unit.training_run_id is None:
            todo.append((RUNS_ON_GPU, methods.get(unit.arm, ""), None))
        if unit.eval_run_id is None:
            todo.append((EVALS_ON_GPU, "generate", None))
    if study.base_eval_id is None:
        todo.append((EVALS_ON_GPU, "generate", None))
    return todo


def _typical(
    made: list[tuple[GpuJobSource, Any]], source: GpuJobSource, kind: str
) -> tuple[float, int, bool] | None:
    """(median seconds, how many jobs, from this study?) for a job of ``kind``."""
    own = [
        source.gpu_seconds(j) for s, j in made
        if s is source and s.kind_of(j) == kind and j.status == JobStatus.SUCCEEDED
    ]  # fmt: skip
    if own:
        return statistics.median(own), len(own), True
    elsewhere = expected_duration(source, kind)
    return (elsewhere.seconds, elsewhere.jobs, False) if elsewhere else None


def _eta(study: Study, made: list[tuple[GpuJobSource, Any]]) -> str:
    """ "About 6 min to go (…)", or why there is no estimate."""
    total = 0.0
    used: dict[tuple[str, str], tuple[int, bool]] = {}  # kind -> (jobs timed, this study's?)
    todo = _remaining(study, made)
    if not todo:
        return "Every GPU job is done; judging and the results follow."
    for source, kind, row in todo:
        typical = _typical(made, source, kind)
        if typical is None:
            return (
                f"No estimate yet: {len(todo)} GPU jobs to go, and no finished {source.noun} "
                f"of kind {kind} to time them by."
            )
        seconds, count, mine = typical
        total += max(0.0, seconds - (job_seconds(row) if row is not None else 0.0))
        used[(source.noun, kind)] = (count, mine)
    own = sum(c for c, mine in used.values() if mine)
    other = sum(c for c, mine in used.values() if not mine)
    basis = [f"{own} finished job{'s' if own != 1 else ''} of this study" if own else ""]
    basis += [f"{other} recent similar job{'s' if other != 1 else ''} elsewhere" if other else ""]
    return (
        f"About {duration_text(total)} to go (an estimate: {len(todo)} GPU jobs one after another, "
        f"each kind at the median time of {' and '.join(b for b in basis if b)}; cpu work not counted)."
    )


def study_timing(study: Study) -> StudyTiming:
    """The ETA while the study runs, or its wall clock and job time once it has ended."""
    made = _jobs(study)
    spent = sum(job_seconds(j) for _, j in made)
    if study.finished and study.finished_at:
        wall = duration_text(span_seconds(study.created_at, study.finished_at))
        work = duration_text(spent)
        text = f"Took {wall} wall clock (created to end); its {len(made)} GPU jobs worked {work} in all."
    else:
        text = _eta(study, made)
    return StudyTiming(text=text, job_seconds=spent, jobs=len(made))

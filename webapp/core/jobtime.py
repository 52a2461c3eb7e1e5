"""How long a job worked, counting every attempt: one rule for runs, evaluations, background
jobs and the studies that sum them.

A job row keeps ``earlier_seconds`` (the spans that ended: earlier attempts, an evaluation's
generation before its judging) and the current span, ``started_at`` to ``finished_at`` (or to
now while it runs). Pages say "3 min 30 s over 2 attempts" with :func:`ran_for`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from webapp.core.models import JobStatus


def span_seconds(start: datetime | None, end: datetime | None) -> float:
    """Seconds from ``start`` to ``end``; 0 when either is unknown or they are reversed."""
    if start is None or end is None:
        return 0.0
    return max(0.0, (end - start).total_seconds())


def job_seconds(job: Any) -> float:
    """Every attempt's working time: the ended spans plus the current one (to its end, to
    now while it runs, to its last beat while it waits again after working, as an
    evaluation queued for judging does)."""
    end = job.finished_at
    if end is None:
        end = timezone.now() if job.status == JobStatus.RUNNING else job.heartbeat_at
    return float(job.earlier_seconds or 0.0) + span_seconds(job.started_at, end)


def duration_text(seconds: float) -> str:
    """``"45 s"``, ``"3 min 30 s"``, ``"2 h 05 min"``."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60:02d} min"


def ran_for(job: Any) -> str:
    """``"3 min 30 s over 2 attempts"`` (the attempts only when there were several)."""
    text = duration_text(job_seconds(job))
    attempts = int(getattr(job, "attempt", 1) or 1)
    return f"{text} over {attempts} attempts" if attempts > 1 else text

"""Template helpers of the Runs pages (``{% load runs %}``)."""

from __future__ import annotations

from django import template

from webapp.core.models import JobStatus
from webapp.training.eta import Eta
from webapp.training.models import TrainingRun
from webapp.training.telemetry import run_eta

register = template.Library()


@register.filter
def eta(run: TrainingRun) -> Eta | None:
    """The time ``run`` has left, when it is running (one query per running run on a page)."""
    return run_eta(run) if run.status == JobStatus.RUNNING else None

"""Models shared by every app: a background job row with progress, for long CPU work.

A job is the database's record of work a Celery task does (validate the library, synthesise
composites, freeze a snapshot). Pages poll it for a progress bar; the task reports progress
with narrow updates, so the row, not the broker, is the source of truth (STYLE rule 5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BackgroundJob(models.Model):
    """One unit of long CPU work and how far it got."""

    kind = models.CharField(max_length=64, db_index=True, help_text="e.g. atoms.validate")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True, help_text="what the task was asked to do")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    #: Live counters a page shows beside the bar (e.g. generated / valid / rejected by reason).
    counters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: Set by whoever cancels; the task polls it between units of work and stops cleanly.
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        """True once the job succeeded, failed or was cancelled; pages stop polling then."""
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 when finished)."""
        if self.finished:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

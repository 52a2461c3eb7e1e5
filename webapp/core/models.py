"""Models shared by every app: a background job row with progress, for long CPU work.

A job is the database's record of work a Celery task does (validate the library, synthesise
composites, freeze a snapshot). Pages poll it for a progress bar; the task reports progress
with narrow updates, so the row, not the broker, is the source of truth (STYLE rule 5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: A running job beats its heartbeat every HEARTBEAT_SECONDS. One whose heartbeat is older
#: than STALE_AFTER_SECONDS is stale: a re-delivered task may claim it again, and its owner
#: can cancel it at once. One older than REAP_AFTER_SECONDS is failed by the reaper (longer,
#: so that a re-delivery gets the first chance to take the job back).
#: All three come from settings (JOB_HEARTBEAT_SECONDS, ...; tests shorten them).
HEARTBEAT_SECONDS: int = settings.JOB_HEARTBEAT_SECONDS
STALE_AFTER_SECONDS: int = settings.JOB_STALE_AFTER_SECONDS
REAP_AFTER_SECONDS: int = settings.JOB_REAP_AFTER_SECONDS


class JobBase(models.Model):
    """The lifecycle every kind of job shares (DESIGN.md "Queues"): queued → running →
    succeeded / failed / cancelled, progress, heartbeat and a cancel flag. Concrete jobs
    (background CPU work, training runs, evaluations) add what they are about; one helper,
    :func:`webapp.core.jobs.job_run`, moves every one of them through these states."""

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
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
    #: How many times a worker claimed the row (a re-claim of a stale row, or a resume, adds
    #: one). Heartbeats and the finish only touch the row while the attempt is still theirs.
    attempt = models.PositiveIntegerField(default=0)
    #: Seconds of work before the current ``started_at``: earlier attempts (a resume, a
    #: re-claim) and, for an evaluation, its generation before judging. A duration is this
    #: plus the current span (``webapp.core.jobtime``), so a resumed run's time counts whole.
    earlier_seconds = models.FloatField(default=0.0)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    # Lists of every kind of job (the dashboard's "Running now") link each row to its page
    # and name it with ``job_label``; each concrete job says both, so core names no app.
    def get_absolute_url(self) -> str:
        """The job's own page."""
        raise NotImplementedError

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

    @property
    def job_label(self) -> str:
        """The job in a few words, e.g. ``atoms.validate #3`` or ``run 7 (GRPO)``."""
        return f"{type(self)._meta.verbose_name} {self.pk}"

    @property
    def progress_text(self) -> str:
        """How far it got, in the job's own unit."""
        return f"{self.done}/{self.total}"


class BackgroundJob(JobBase):
    """One unit of long CPU work (validate the library, synthesise, freeze) and how far it got."""

    kind = models.CharField(max_length=64, db_index=True, help_text="e.g. atoms.validate")
    params = models.JSONField(default=dict, blank=True, help_text="what the task was asked to do")

    class Meta(JobBase.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("job", args=[self.pk])

    @property
    def job_label(self) -> str:
        return f"{self.kind} #{self.pk}"


class Labelled(models.Model):
    """Tags, a note and a group on a row a researcher organises (training runs and
    evaluations, as Weights & Biases users expect): written by its owner or an admin through
    :func:`webapp.core.labels.labels_save`, read and filtered by everyone."""

    #: Short slugs (``webapp.core.labels.TAG``), sorted, no duplicates.
    tags = models.JSONField(default=list, blank=True)
    #: A group name: runs of one sweep, one idea (free text, one line).
    group = models.CharField(max_length=100, blank=True, db_index=True)
    #: A free-text note (what was tried, what to remember).
    note = models.TextField(blank=True)

    class Meta:
        abstract = True


class JobLogBatch(models.Model):
    """One ``log_batch`` event of a GPU job that keeps no event table of its own (evaluations,
    playground requests; a training run keeps its events as ``RunEvent``): the lines the
    worker logged (``training_worker.joblog``), read back by :mod:`webapp.core.joblog`. The
    unique ``(job_id, seq)`` stores a batch delivered twice once."""

    #: The job id on the wire (``eval-12``, ``play-3``): core names no app's model.
    job_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["job_id", "seq"], name="joblogbatch_job_seq")]

    def __str__(self) -> str:
        return f"{self.job_id} log #{self.seq}"

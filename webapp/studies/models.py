"""A study: the arms of one controlled experiment as one object.

A :class:`Study` holds the template it was made from (the file's text, so a study can be
re-run after the shipped template changes) resolved at a scale, the snapshots it froze, and
one :class:`StudyUnit` per arm and seed: the training run it launched and the evaluation of
that run's final checkpoint. The study does no work itself: :func:`webapp.studies.services.
study_advance` (a ``cpu`` task, sent by Celery beat and after every change) looks at what
exists and launches what has its inputs, so worker deaths and restarts are the job
lifecycle's business and the study just continues.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudyStatus(models.TextChoices):
    PREPARING = "preparing", "Preparing data"
    RUNNING = "running", "Running"
    STALLED = "stalled", "Stalled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Study(models.Model):
    name = models.CharField(max_length=200)
    template = models.CharField(max_length=100, help_text="the template's name")
    template_text = models.TextField(help_text="the template file as launched")
    scale = models.CharField(max_length=16)
    seeds = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="override of the template's seeds"
    )
    status = models.CharField(max_length=16, choices=StudyStatus.choices, default=StudyStatus.PREPARING)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    #: Why the study trains on snapshots that share problems with its eval suites.
    contamination_override = models.TextField(blank=True)
    #: The synthesis job that made the composite pools the study needed (when it had to).
    synthesis_job = models.ForeignKey(
        "core.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The synthesis run whose pools the study uses, by identity: the run the study started,
    #: or an earlier one that made exactly the pools its template and scale declare.
    synthesis_run = models.ForeignKey(
        "synthesis.SynthesisRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Advancing raised this many times in a row (reset when it succeeds); at
    #: ``services.ADVANCE_ATTEMPTS`` the study stalls with the error.
    advance_attempts = models.PositiveSmallIntegerField(default=0)
    #: After a failed attempt: no advance before this time (the back-off).
    advance_retry_at = models.DateTimeField(null=True, blank=True)
    #: The base model's evaluation on the study's suites (the table's first row).
    base_eval = models.ForeignKey(
        "evaluation.EvalRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The table, the paired differences, the summary and the exported files, once done.
    results = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return f"study {self.pk} {self.name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (StudyStatus.SUCCEEDED, StudyStatus.FAILED, StudyStatus.CANCELLED)


class StudySnapshot(models.Model):
    """A snapshot the study froze: a train mixture (``kind=train``) or an eval suite."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField(max_length=8, choices=[("train", "train"), ("eval", "eval")])
    key = models.CharField(max_length=100, help_text="the mixture's or suite's name in the template")
    snapshot = models.ForeignKey("mixtures.Snapshot", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["study", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["study", "kind", "key"], name="studysnapshot_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} of study {self.study_id}"


class StudyUnit(models.Model):
    """One arm at one seed: its training run and the evaluation of its final checkpoint."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="units")
    arm = models.CharField(max_length=100)
    seed = models.IntegerField(default=0)
    order = models.PositiveSmallIntegerField(help_text="launch order (dependencies first)")
    training_run = models.ForeignKey(
        "training.TrainingRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="study_units"
    )
    eval_run = models.ForeignKey(
        "evaluation.EvalRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="study_units"
    )
    #: Why the unit cannot start (its dependency failed, the launch was refused …).
    blocked = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["study", "order", "seed"]
        constraints = [models.UniqueConstraint(fields=["study", "arm", "seed"], name="studyunit_unique")]

    def __str__(self) -> str:
        return f"{self.arm} seed {self.seed} of study {self.study_id}"

"""Training runs (SFT, GRPO, RLOO) as the web side records them.

A :class:`TrainingRun` is a job row with the shared lifecycle (:class:`~webapp.core.models.JobBase`):
the web side creates it, the dispatch module sends its ``JobSpec`` to the ``gpu`` queue, and the
``events`` task applies the worker's ``ProgressEvent`` stream to it, idempotently by
``(run, seq)``: metric points, checkpoints, log lines, the final state. The worker never
touches the database; the job id it sees is :attr:`TrainingRun.job_id` (``run-<pk>``).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from webapp.core.models import JobBase, Labelled
from webapp.core.protocol import Protocol


class Method(models.TextChoices):
    SFT = "sft", "SFT"
    GRPO = "grpo", "GRPO"
    RLOO = "rloo", "RLOO"


class TrainingRun(JobBase, Labelled):
    """One training job: method, model, data, resolved config and where it got to."""

    name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices)
    #: What the researcher asked for: ``default``, a local path or Hugging Face id, or ``run:ID``.
    model = models.CharField(max_length=500)
    #: The checkpoint a ``run:ID`` model resolved to (RL from an SFT checkpoint).
    init_checkpoint = models.ForeignKey(
        "Checkpoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    train_snapshot = models.ForeignKey(
        "mixtures.Snapshot", on_delete=models.PROTECT, related_name="training_runs"
    )
    eval_snapshot = models.ForeignKey(
        "mixtures.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="eval_runs"
    )
    #: Evaluate on ``eval_snapshot`` every this many steps (None: only at the end, if at all).
    eval_every = models.PositiveIntegerField(null=True, blank=True)
    #: The sampling protocol of those evaluations (``webapp.core.protocol.Protocol`` as a
    #: dict; every field given), locked at launch like any evaluation's.
    eval_protocol = models.JSONField(default=dict, blank=True)
    seed = models.IntegerField(default=0)
    max_steps = models.PositiveIntegerField(null=True, blank=True)
    #: The method config as the worker's typed config resolved it (every field, defaults too).
    config = models.JSONField(default=dict)
    #: Why a contaminated train snapshot was launched anyway (empty when it was clean).
    contamination_override = models.TextField(blank=True)
    #: Package versions, code revision, host and the exact JobSpec, from the ``started`` event.
    reproducibility = models.JSONField(default=dict, blank=True)
    artifact_prefix = models.CharField(max_length=500, blank=True)
    #: The base model the worker loads (``default``, a path): for ``run:ID`` the base of that
    #: run, so a LoRA checkpoint can be merged into the model it was trained on.
    base_model = models.CharField(max_length=500, blank=True)
    #: The exact JobSpec JSON of the latest attempt (its digest names the worker's done marker).
    spec_json = models.TextField(blank=True)
    #: The Celery task id of the latest attempt's message (revoked on a hard kill).
    task_id = models.CharField(max_length=100, blank=True)
    #: Events numbered at or below this belong to earlier attempts: they are kept, but they
    #: no longer move the run's state (a resumed run ignores its old attempt's late "failed").
    seq_floor = models.PositiveIntegerField(default=0)
    #: The ``seq`` of the metrics event ``last_metrics`` came from (out-of-order events
    #: never overwrite newer values).
    last_metrics_seq = models.PositiveIntegerField(default=0)
    #: When cancel was asked; a run still running a grace period later is killed.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    #: The last step the worker reported, and the last value of every metric.
    step = models.PositiveIntegerField(default=0)
    last_metrics = models.JSONField(default=dict, blank=True)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones"
    )

    class Meta(JobBase.Meta):
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.method}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("run", args=[self.pk])

    @property
    def job_label(self) -> str:
        return f"run {self.pk} ({self.get_method_display()}{f', {self.name}' if self.name else ''})"

    @property
    def progress_text(self) -> str:
        return f"step {self.step}" + (f"/{self.max_steps}" if self.max_steps else "")

    @property
    def progress_percent(self) -> int:
        """Steps done out of ``max_steps`` (a cancelled run at step 20 of 400 shows 5%, not
        the full bar a finished background job shows)."""
        if self.max_steps:
            return min(100, int(100 * self.step / self.max_steps))
        return 100 if self.status == "succeeded" else 0

    @property
    def eval_protocol_obj(self) -> Protocol | None:
        """The locked protocol of its evaluations during training, as a :class:`Protocol`
        (None when it evaluates nothing)."""
        return Protocol.from_dict(self.eval_protocol) if self.eval_protocol else None

    @property
    def job_id(self) -> str:
        """The id the worker, its events and its Redis keys use."""
        return f"run-{self.pk}"


class Checkpoint(models.Model):
    """A saved model state of a run (the worker wrote it under the artifact root)."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="checkpoints")
    step = models.PositiveIntegerField()
    uri = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "step"]
        constraints = [models.UniqueConstraint(fields=["run", "step"], name="checkpoint_run_step")]

    def __str__(self) -> str:
        return f"run {self.run_id} step {self.step}"


class RunEvent(models.Model):
    """One ProgressEvent as received. The unique ``(run, seq)`` makes applying an event
    twice, or out of order, change nothing."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=16)
    step = models.PositiveIntegerField(default=0)
    payload = models.JSONField(default=dict)
    timestamp = models.FloatField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="runevent_run_seq")]

    def __str__(self) -> str:
        return f"run {self.run_id} #{self.seq} {self.type}"


class MetricPoint(models.Model):
    """One value of one metric at one step (loss, reward, kl, learning_rate, the share of
    each rollout category, eval pass@1 …): what the run page's curves plot."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="points")
    name = models.CharField(max_length=100)
    step = models.PositiveIntegerField()
    value = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "name", "step"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "step"], name="metricpoint_run_name_step")
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.name}@{self.step}"

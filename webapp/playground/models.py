"""The playground: one prompt sent to a model (a checkpoint or a named model) as a small
``generate`` job on the GPU queue, and what came back.

A :class:`PlaygroundRequest` is a job row with the shared lifecycle (reaper, cancel, bar),
in the same two phases as an evaluation (``webapp.evaluation.models.Phase``): *generating*
on a GPU worker, then *judging* on the ``cpu`` queue, which stores one
:class:`PlaygroundSample` per sample and, when the prompt is a snapshot's problem, judges
each sample against the problem's cases in the sandbox.
"""

from __future__ import annotations

from django.db import models

from webapp.core.categories import CATEGORY_CHOICES
from webapp.core.models import JobBase
from webapp.evaluation.models import Phase

#: Job ids of playground requests on the wire (``play-<pk>``): events and Redis keys.
JOB_PREFIX = "play-"


class PlaygroundRequest(JobBase):
    """One prompt, its sampling settings and the model it went to."""

    prompt = models.TextField()
    #: What the worker loads: ``default`` or a model folder; a checkpoint's run's base model.
    model = models.CharField(max_length=1000)
    checkpoint = models.ForeignKey(
        "training.Checkpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The snapshot problem the prompt came from (its cases judge the samples); none for free text.
    snapshot = models.ForeignKey(
        "mixtures.Snapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=300, blank=True)
    n = models.PositiveSmallIntegerField()
    temperature = models.FloatField()
    max_new_tokens = models.PositiveIntegerField()
    seed = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.GENERATING)
    #: The one-line problem file the worker generates for (absolute): the prompt as sent and,
    #: for a snapshot's problem, its cases, which judge the samples (they never reach the model).
    data_uri = models.CharField(max_length=1000, blank=True)
    generations_uri = models.CharField(max_length=1000, blank=True)
    #: The highest ProgressEvent seq applied (events are applied once, in order).
    last_seq = models.PositiveIntegerField(default=0)

    class Meta(JobBase.Meta):
        indexes = [models.Index(fields=["-created_at"], name="playground_created")]

    def __str__(self) -> str:
        return f"playground {self.pk} ({self.status})"

    @property
    def job_id(self) -> str:
        return f"{JOB_PREFIX}{self.pk}"

    @property
    def artifact_prefix(self) -> str:
        return f"playground/{self.pk}"

    @property
    def model_label(self) -> str:
        """The model as a researcher names it: the checkpoint (run and step) or the model."""
        c = self.checkpoint
        return f"run {c.run_id} at step {c.step}" if c is not None else self.model

    @property
    def judged(self) -> bool:
        """Whether the samples are judged against a problem's cases."""
        return bool(self.snapshot_id and self.task_id)


class PlaygroundSample(models.Model):
    """One sample: the raw completion, the code extracted from it and, for a snapshot
    problem, the sandbox's verdict with one outcome per case (``cases``: index, input,
    expected, got, error, passed, duration_ms; the columns of the evaluation's case table)."""

    request = models.ForeignKey(PlaygroundRequest, on_delete=models.CASCADE, related_name="samples")
    index = models.PositiveSmallIntegerField()
    completion = models.TextField(blank=True)
    code = models.TextField(blank=True)
    completion_tokens = models.PositiveIntegerField(default=0)
    finish_reason = models.CharField(max_length=32, blank=True)
    verdict = models.CharField(max_length=32, blank=True)
    passed = models.BooleanField(null=True)
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES, blank=True)
    error_type = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    cases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["request", "index"]
        constraints = [models.UniqueConstraint(fields=["request", "index"], name="playground_sample_once")]

    def __str__(self) -> str:
        return f"playground {self.request_id} sample {self.index}"

"""Evaluations as the web side records them (DESIGN.md, "Evaluation").

An :class:`EvalRun` is a job row with the shared lifecycle: a model × one or more eval
snapshots (suites) × a locked sampling protocol. It goes through two phases: *generating*
(a ``generate`` JobSpec on the ``gpu`` queue; the worker's events move the row) and
*judging* (a ``cpu`` task judges every stored :class:`Generation` in the sandbox and
records one :class:`CaseOutcome` per case). At completion the numbers the pages show are
computed once: :class:`ProblemResult` (n and c per problem) and :class:`SuiteScore`
(pass@k with its interval per suite and k); pages never recompute them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from webapp.core.categories import CATEGORY_CHOICES
from webapp.core.models import JobBase, Labelled
from webapp.core.protocol import Protocol


class Phase(models.TextChoices):
    GENERATING = "generating", "Generating"
    JUDGING = "judging", "Judging"
    DONE = "done", "Done"


class EvalRun(JobBase, Labelled):
    """One evaluation: model, suites, protocol, and where it got to."""

    name = models.CharField(max_length=200, blank=True)
    #: What was asked for: ``default``, a local path, or ``run:ID`` (a training run's checkpoint).
    model = models.CharField(max_length=500)
    #: The checkpoint a ``run:ID`` model resolved to (None for a base model).
    init_checkpoint = models.ForeignKey(
        "training.Checkpoint", null=True, blank=True, on_delete=models.PROTECT, related_name="eval_runs"
    )
    #: The training run whose cadence (``eval_every``) scheduled this evaluation of one of its
    #: checkpoints (evaluation during training); None for one a researcher launched.
    scheduled_by = models.ForeignKey(
        "training.TrainingRun",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scheduled_evals",
    )
    snapshots = models.ManyToManyField("mixtures.Snapshot", related_name="eval_runs_judged")
    #: The sampling protocol (``webapp.core.protocol.Protocol``), locked at creation;
    #: read it as :attr:`protocol_obj`.
    protocol = models.JSONField()
    #: Digest of the protocol without its seed: runs with the same hash are comparable.
    protocol_hash = models.CharField(max_length=16, db_index=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.GENERATING)
    artifact_prefix = models.CharField(max_length=500, blank=True)
    generations_uri = models.CharField(max_length=1000, blank=True)
    #: The highest ProgressEvent seq applied (events are applied once, in order).
    last_seq = models.PositiveIntegerField(default=0)
    #: How many times the stored generations were re-judged against newer tests.
    rescored = models.PositiveIntegerField(default=0)
    #: What the model trained on that each suite holds, found once at creation
    #: (``webapp.evaluation.contamination``): ``{"<snapshot pk>": {"status", "summary",
    #: "train"}}``; a clean suite has no entry.
    contamination = models.JSONField(default=dict, blank=True)
    #: Why the evaluation went ahead on a contaminated suite (required then, as at launch).
    contamination_reason = models.TextField(blank=True)

    class Meta(JobBase.Meta):
        indexes = [models.Index(fields=["status", "-created_at"], name="evalrun_status_created")]
        constraints = [
            # A checkpoint is evaluated once by its run's cadence, however often its events arrive.
            models.UniqueConstraint(
                fields=["scheduled_by", "init_checkpoint"],
                condition=models.Q(scheduled_by__isnull=False),
                name="evalrun_one_scheduled_per_checkpoint",
            )
        ]

    def __str__(self) -> str:
        return f"eval {self.pk} ({self.model_label}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("eval-run", args=[self.pk])

    @property
    def job_label(self) -> str:
        return f"evaluation {self.pk} ({self.model_label})"

    @property
    def progress_text(self) -> str:
        return f"{self.get_phase_display().lower()} {self.done}/{self.total}"

    @property
    def job_id(self) -> str:
        """The id the GPU worker, its events and its Redis keys use."""
        return f"eval-{self.pk}"

    @property
    def kind(self) -> str:
        """For the shared job bar and its ``job-finished`` event."""
        return "evaluation"

    @property
    def protocol_obj(self) -> Protocol:
        """The locked sampling protocol as a :class:`Protocol` (the column holds its dict)."""
        return Protocol.from_dict(self.protocol)

    def finding(self, snapshot_id: int) -> dict[str, str] | None:
        """The contamination finding of one suite (None when clean)."""
        found = (self.contamination or {}).get(str(snapshot_id))
        return found if isinstance(found, dict) else None

    @property
    def model_label(self) -> str:
        """The model as a table row names it."""
        if self.init_checkpoint_id is not None and self.model.startswith("run:"):
            return f"{self.model} (step {self.init_checkpoint.step})" if self.init_checkpoint else self.model
        return "default model" if self.model == "default" else self.model


class ReviewLabel(models.TextChoices):
    MODEL_ERROR = "model_error", "Model error"
    WRONG_TEST = "wrong_test", "Wrong test"
    AMBIGUOUS_PROMPT = "ambiguous_prompt", "Ambiguous prompt"
    FLAKY = "flaky", "Flaky"
    SANDBOX_FAULT = "sandbox_fault", "Sandbox fault"


class SuiteProblem(models.Model):
    """A problem of an eval snapshot, with what the breakdowns group by and where its tests
    live now (for re-scoring and for the "wrong test" link). One row per (snapshot, task)."""

    snapshot = models.ForeignKey("mixtures.Snapshot", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=300)
    source = models.CharField(max_length=64)
    topic = models.CharField(max_length=64, blank=True)
    depth = models.PositiveSmallIntegerField(null=True, blank=True)
    atoms = models.JSONField(default=list)
    #: ``atom:<slug>``, ``composite:<key>``, ``benchmark:<name>/<task id>`` or "" (snapshot only).
    ref = models.CharField(max_length=400, blank=True)
    #: The version of the tests frozen in the snapshot (what a first judging uses).
    tests_version = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "task_id"], name="suiteproblem_snapshot_task")
        ]

    def __str__(self) -> str:
        return self.task_id


class Generation(models.Model):
    """One sample of one problem: what the model wrote and what the sandbox said of it."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="generations")
    snapshot = models.ForeignKey("mixtures.Snapshot", on_delete=models.PROTECT, related_name="+")
    task_id = models.CharField(max_length=300)
    sample_index = models.PositiveIntegerField()
    prompt = models.TextField()
    completion = models.TextField()
    code = models.TextField(blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    finish_reason = models.CharField(max_length=32, blank=True)
    seconds = models.FloatField(default=0.0)
    #: The sandbox's verdict ("" until judged), and what it means for pass@k.
    verdict = models.CharField(max_length=16, blank=True)
    passed = models.BooleanField(null=True)
    #: Why it passed or failed, in the one vocabulary (``sandbox.categories``).
    category = models.CharField(max_length=16, choices=CATEGORY_CHOICES, blank=True)
    #: The exception's type for a runtime error (``ZeroDivisionError``), else "".
    error_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    isolation = models.CharField(max_length=200, blank=True)
    #: Which tests judged it: ``<where> v<version>#<digest>`` (``webapp.evaluation.tests``).
    tests_version = models.CharField(max_length=120, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    review_label = models.CharField(max_length=20, choices=ReviewLabel.choices, blank=True)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "snapshot", "task_id", "sample_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "snapshot", "task_id", "sample_index"], name="generation_unique_sample"
            )
        ]
        indexes = [
            models.Index(fields=["run", "verdict"], name="generation_run_verdict"),
            models.Index(fields=["run", "category"], name="generation_run_category"),
            models.Index(fields=["snapshot", "task_id"], name="generation_problem"),
            models.Index(fields=["review_label", "id"], name="generation_review"),
            models.Index(fields=["category", "id"], name="generation_category"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} #{self.sample_index} (eval {self.run_id})"


class CaseOutcome(models.Model):
    """One test case of one generation, as the sandbox judged it."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="outcomes")
    index = models.PositiveIntegerField()
    #: The call's arguments (tagged JSON); [] for a HumanEval-style test.
    input = models.JSONField(default=list)
    expected = models.JSONField(null=True)
    got = models.JSONField(null=True)
    error = models.TextField(blank=True)
    #: The sandbox times the whole program, not each case: set when it reports per case.
    duration_ms = models.FloatField(null=True, blank=True)
    passed = models.BooleanField()

    class Meta:
        ordering = ["generation", "index"]
        constraints = [models.UniqueConstraint(fields=["generation", "index"], name="caseoutcome_unique")]

    def __str__(self) -> str:
        return f"case {self.index} of {self.generation_id}"


class ProblemResult(models.Model):
    """One problem's tally in one run (n samples judged, c passed), computed at completion:
    the comparison page and the paired bootstrap read these, never the generations."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="problem_results")
    snapshot = models.ForeignKey("mixtures.Snapshot", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=300)
    n = models.PositiveIntegerField()
    c = models.PositiveIntegerField()
    #: Failures by category among the n samples.
    categories = models.JSONField(default=dict)
    tests_version = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "snapshot", "task_id"], name="problemresult_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.c}/{self.n}"


class SuiteScore(models.Model):
    """pass@k of one run on one suite with its 95% bootstrap interval over problems."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="scores")
    snapshot = models.ForeignKey("mixtures.Snapshot", on_delete=models.CASCADE, related_name="+")
    k = models.PositiveSmallIntegerField()
    estimate = models.FloatField()
    ci_low = models.FloatField()
    ci_high = models.FloatField()
    n_problems = models.PositiveIntegerField()
    #: "snapshot" when every problem was judged with the tests frozen in the snapshot; after a
    #: re-score, how many problems used tests newer than the snapshot's (``"current (3 changed)"``).
    tests_version = models.CharField(max_length=120, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["run", "snapshot", "k"]
        constraints = [models.UniqueConstraint(fields=["run", "snapshot", "k"], name="suitescore_unique")]

    def __str__(self) -> str:
        return f"eval {self.run_id} pass@{self.k} = {self.estimate:.3f}"

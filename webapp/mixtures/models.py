"""Mixtures (recipes), their versions, the immutable snapshots frozen from them, imported
benchmarks and cached contamination reports.

A mixture's recipe lives on :class:`MixtureVersion`; once a version has been frozen it never
changes again (editing makes the next version), so every snapshot names the exact recipe
that made it. The snapshot's rows live in a content-addressed JSONL file under
``ARTIFACT_ROOT``; the database row holds only its hash, counts and statistics.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ItemRole(models.TextChoices):
    """What a mixture item is for: training rows or held-out evaluation rows."""

    TRAIN = "train", "Train"
    EVAL = "eval", "Eval"


class ItemLang(models.TextChoices):
    """The prompt language a mixture item asks its source for."""

    EN = "en", "English"
    ZH = "zh", "Chinese"
    AUTHORED = "authored", "As authored"


class Mixture(models.Model):
    """A named recipe of problem sources; its content is versioned in :class:`MixtureVersion`."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def latest(self) -> MixtureVersion:
        """The newest version (every mixture is created with version 1)."""
        version = self.versions.order_by("-number").first()
        assert version is not None, f"mixture {self.name} has no version"
        return version


class MixtureVersion(models.Model):
    """One immutable-once-frozen recipe: seed, tokenizer for statistics, and ordered items.

    ``items`` is a list of ``{"source", "ratio", "lang", "role"}`` (see
    :class:`webapp.mixtures.recipe.Item`); ``frozen_at`` is set when a freeze starts, after
    which an edit makes the next version instead of changing this one.
    """

    mixture = models.ForeignKey(Mixture, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    seed = models.BigIntegerField(default=0)
    tokenizer = models.CharField(max_length=300, default="whitespace")
    items = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mixture", "-number"]
        constraints = [models.UniqueConstraint(fields=["mixture", "number"], name="mixture_version_unique")]

    def __str__(self) -> str:
        return f"{self.mixture.name} v{self.number}"


class Snapshot(models.Model):
    """A frozen mixture: ``snapshots/<sha256>.jsonl`` under ``ARTIFACT_ROOT`` plus its stats.

    The same recipe frozen on the same library gives the same file, so freezing a version
    twice returns the existing row.
    """

    sha256 = models.CharField(max_length=64, db_index=True)
    version = models.ForeignKey(MixtureVersion, on_delete=models.PROTECT, related_name="snapshots")
    #: The recipe as frozen: mixture name, version number, seed, tokenizer, items.
    recipe = models.JSONField()
    path = models.CharField(max_length=500, help_text="relative to ARTIFACT_ROOT")
    size_bytes = models.BigIntegerField()
    rows = models.PositiveIntegerField()
    #: ``{"source": {...}, "topic": {...}, "lang": {...}, "role": {...}}``: rows per value.
    counts = models.JSONField(default=dict)
    #: ``{"tokenizer": name, "prompt": {"min", "median", "p95", "max"}, "solution": {...}}``.
    token_stats = models.JSONField(default=dict)
    #: The ``ProblemRecord`` schema version of every line. Recorded here once, not on each
    #: line: version 1 lines carry no ``schema_version``, as before the field existed, so the
    #: file (and its hash) is what it was (see ``training_worker.contracts``).
    record_schema_version = models.PositiveSmallIntegerField(
        default=1, help_text="ProblemRecord schema version of the rows"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["version", "sha256"], name="snapshot_version_sha")]

    def __str__(self) -> str:
        return f"{self.short} ({self.recipe.get('name', '?')} v{self.recipe.get('version', '?')})"

    @property
    def short(self) -> str:
        """The first 12 hex digits: enough to name a snapshot on a page or the command line."""
        return self.sha256[:12]

    @property
    def roles(self) -> list[str]:
        """Roles present in the snapshot (``train``, ``eval``)."""
        return sorted(self.counts.get("role", {}))

    def role_rows(self, role: str) -> int:
        """How many rows the snapshot holds in ``role`` (``ItemRole``): training reads the
        train rows, evaluation the eval rows."""
        return int((self.counts.get("role") or {}).get(role, 0))

    @property
    def eval_rows(self) -> int:
        """The rows an evaluation on this snapshot generates for, judges and counts."""
        return self.role_rows(ItemRole.EVAL)


class SnapshotMember(models.Model):
    """What a snapshot is made of, for links from atoms and composites to the snapshots that
    hold them: one row per atom with rows of its own in the snapshot (``kind="atom"``,
    ``ref`` its slug) and per composite chain (``kind="composite"``, ``ref`` its chain key,
    which names the same composite across synthesis runs). Written once, at freeze."""

    class Kind(models.TextChoices):
        ATOM = "atom", "Atom"
        COMPOSITE = "composite", "Composite"

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ref = models.CharField(max_length=400)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "kind", "ref"], name="snapshot_member_unique")
        ]
        indexes = [models.Index(fields=["kind", "ref"], name="snapshot_member_ref")]

    def __str__(self) -> str:
        return f"{self.snapshot.short} {self.kind} {self.ref}"


class Benchmark(models.Model):
    """An imported HumanEval-format benchmark, served as source ``benchmark:<name>``."""

    name = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    file_name = models.CharField(max_length=300, blank=True, help_text="the file it was imported from")
    problem_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"benchmark:{self.name}"


class BenchmarkProblem(models.Model):
    """One HumanEval-format problem, as imported (fields keep HumanEval's names)."""

    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveIntegerField()
    task_id = models.CharField(max_length=200)
    prompt = models.TextField()
    canonical_solution = models.TextField()
    test = models.TextField()
    entry_point = models.CharField(max_length=200)

    class Meta:
        ordering = ["benchmark", "position"]
        constraints = [
            models.UniqueConstraint(fields=["benchmark", "task_id"], name="benchmark_problem_task_id")
        ]

    def __str__(self) -> str:
        return self.task_id


class ContaminationReport(models.Model):
    """A computed report (train rows of ``train`` against eval rows of ``eval``), cached:
    both snapshots are immutable, so a report for the same parameters never changes."""

    train = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    eval = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    params_key = models.CharField(max_length=200)
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["train", "eval", "params_key"], name="contamination_unique")
        ]

    def __str__(self) -> str:
        return f"contamination {self.train_id} vs {self.eval_id} ({self.params_key})"

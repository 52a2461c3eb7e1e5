"""A synthesis run and the composites it stored.

A run's progress lives on its :class:`~webapp.core.models.BackgroundJob` (status, counters,
heartbeat); the run row keeps what was asked for and which atom library it used. Composites
are written when a run finishes, replacing the stored pools of the same names in one
transaction, so a pool always comes whole from one run (and its disjointness holds).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from webapp.atoms.library.spec import signature_line
from webapp.core.models import BackgroundJob


class SynthesisRun(models.Model):
    """One request to synthesise pools: its parameters, seed, library version and job."""

    job = models.OneToOneField(
        BackgroundJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="synthesis_run"
    )
    params = models.JSONField(default=dict, help_text="SynthesisConfig.as_params()")
    seed = models.IntegerField(default=0)
    library_version = models.CharField(max_length=64, blank=True, help_text="set when the run starts")
    #: ``valid``: only atoms whose validation passed; ``all``: no atom was validated yet.
    atom_set = models.CharField(max_length=8, blank=True)
    atom_count = models.PositiveIntegerField(default=0)
    #: Its pools are kept apart from each other only, not from other stored pools: a study's
    #: own pools, whose content must not depend on what else happens to be stored.
    isolated = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"synthesis run {self.pk}"

    @property
    def pools(self) -> dict[str, int]:
        """Pool name → asked-for size."""
        return dict(self.params.get("pools", {}))

    @property
    def pools_text(self) -> str:
        """The asked-for pools as a person writes them: ``A=50, B=20, C=20``."""
        return ", ".join(f"{name}={n}" for name, n in self.pools.items())


class Composite(models.Model):
    """A valid composite: chain of atoms, generated reference, prompts and recorded cases."""

    run = models.ForeignKey(SynthesisRun, on_delete=models.CASCADE, related_name="composites")
    pool = models.CharField(max_length=32)
    key = models.CharField(max_length=64, unique=True, help_text='task id, e.g. "composite/A/000123"')
    index = models.PositiveIntegerField(help_text="position in its pool, from 1")
    chain = models.JSONField(help_text="atom slugs in the order they appear in the code")
    chain_key = models.CharField(max_length=400, help_text="shape and atoms; identifies the chain")
    shape = models.CharField(max_length=16)
    depth = models.PositiveSmallIntegerField()
    #: The plan: {"steps": [...], "predicate": ..., "otherwise": [...]}, each step
    #: {"atom", "extra", "each"}; the chain diagram is drawn from it.
    structure = models.JSONField(default=dict)
    entry_point = models.CharField(max_length=128)
    params = models.JSONField(help_text='[{"name": "xs", "type": "list[int]"}, ...]')
    returns = models.CharField(max_length=32)
    prompt_en = models.TextField()
    prompt_zh = models.TextField()
    solution = models.TextField()
    cases = models.JSONField(help_text='[{"args": [...], "expected": ...}, ...] (tagged JSON)')
    topics = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    seed = models.IntegerField()
    library_version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pool", "index"]
        indexes = [
            models.Index(fields=["pool", "index"], name="composite_pool_index"),
            models.Index(fields=["shape"], name="composite_shape"),
            models.Index(fields=["depth"], name="composite_depth"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def signature(self) -> str:
        """``def name(xs: list[int]) -> int``."""
        return signature_line(self.entry_point, self.params, self.returns)

"""An atom, its modified variant, and the revision history that keeps every old version.

The content of an atom (what a researcher writes) is a fixed set of fields, listed in
:data:`webapp.atoms.content.ATOM_FIELDS` and :data:`~webapp.atoms.content.VARIANT_FIELDS`;
everything else here (status, verdict, digests, timestamps) is derived or bookkeeping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Lang(models.TextChoices):
    EN = "en", "English"
    ZH = "zh", "Chinese"


class ValidationStatus(models.TextChoices):
    UNVALIDATED = "unvalidated", "Not validated yet"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"


class Origin(models.TextChoices):
    LIBRARY = "library", "Library (repository)"
    APP = "app", "Written in the app"


class Atom(models.Model):
    """A hand-written atomic function: typed signature, prompt pair, reference, cases."""

    slug = models.SlugField(max_length=64, unique=True, help_text="a Python identifier, unique")
    topic = models.CharField(max_length=32, db_index=True)
    entry_point = models.CharField(max_length=64)
    params = models.JSONField(default=list, help_text='[{"name": "xs", "type": "list[int]"}, ...]')
    returns = models.CharField(max_length=32)
    prompt_en = models.TextField()
    prompt_zh = models.TextField()
    original_lang = models.CharField(max_length=2, choices=Lang.choices, default=Lang.EN)
    solution = models.TextField(help_text="reference solution: one top-level function")
    cases = models.JSONField(default=list, help_text='[{"args": [...], "expected": ...}, ...]')
    difficulty = models.PositiveSmallIntegerField(default=1)
    tags = models.JSONField(default=list, blank=True)

    status = models.CharField(
        max_length=16, choices=ValidationStatus.choices, default=ValidationStatus.UNVALIDATED, db_index=True
    )
    verdict = models.JSONField(default=dict, blank=True, help_text="the validation that set the status")
    validated_at = models.DateTimeField(null=True, blank=True)

    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.APP)
    #: Digest of the library's version of this atom as last loaded ("" for app atoms).
    library_digest = models.CharField(max_length=64, blank=True)
    #: Digest of the current content (atom and variant); differs from library_digest once
    #: someone edits the atom in the app.
    content_digest = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="atoms"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def signature(self) -> str:
        """``def name(a: int, b: list[int]) -> int``."""
        args = ", ".join(f"{p['name']}: {p['type']}" for p in self.params)
        return f"def {self.entry_point}({args}) -> {self.returns}"

    @property
    def edited_in_app(self) -> bool:
        """True when a library atom's content no longer matches what the library loaded."""
        return self.origin == Origin.LIBRARY and self.content_digest != self.library_digest


class VariantKind(models.TextChoices):
    MODIFY = "modify", "Modified behaviour"


class AtomVariant(models.Model):
    """A variant of an atom with the same signature and deliberately different behaviour.

    Translated prompts are not a row here: they are the atom's own zh/en pair, and
    ``Atom.original_lang`` says which of the two is the original.
    """

    atom = models.ForeignKey(Atom, on_delete=models.CASCADE, related_name="variants")
    kind = models.CharField(max_length=16, choices=VariantKind.choices, default=VariantKind.MODIFY)
    change = models.CharField(max_length=300, help_text="what differs from the atom, in one line")
    prompt_en = models.TextField()
    prompt_zh = models.TextField()
    solution = models.TextField()
    cases = models.JSONField(default=list)
    status = models.CharField(
        max_length=16, choices=ValidationStatus.choices, default=ValidationStatus.UNVALIDATED
    )
    verdict = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["atom", "kind"], name="one_variant_per_kind")]

    def __str__(self) -> str:
        return f"{self.atom.slug} ({self.kind})"


class RevisionReason(models.TextChoices):
    CREATE = "create", "Created"
    EDIT = "edit", "Edited in the app"
    LIBRARY = "library", "Updated from the library"
    LIBRARY_FORCE = "library_force", "Library forced over an app edit"


class AtomRevision(models.Model):
    """One version of an atom's content: who made it, when, why, and what changed.

    ``content`` is the full content after the change, so any version can be shown or
    restored; ``changes`` maps each changed field to ``[old, new]``.
    """

    atom = models.ForeignKey(Atom, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=16, choices=RevisionReason.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=300, blank=True)
    content = models.JSONField()
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["atom", "-number"]
        constraints = [models.UniqueConstraint(fields=["atom", "number"], name="unique_revision_number")]

    def __str__(self) -> str:
        return f"{self.atom.slug} r{self.number}"

    @property
    def changed_fields(self) -> list[str]:
        """Names of the fields this revision changed, in a stable order."""
        return sorted(self.changes)

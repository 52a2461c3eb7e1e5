"""An atom, its modified variant, and the revision history that keeps every old version.

The content of an atom (what a researcher writes) is a fixed set of fields, listed in
:data:`webapp.atoms.content.ATOM_FIELDS` and :data:`~webapp.atoms.content.VARIANT_FIELDS`;
everything else here (status, verdict, digests, timestamps) is derived or bookkeeping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from webapp.atoms.library.spec import signature_line


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


class ReviewState(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    APPROVED = "approved", "Approved"
    NEEDS_WORK = "needs_work", "Needs work"


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

    # Annotations that are not content: a reviewer's judgement and free-text notes. They are
    # not part of the content digest (editing a note is not a new version of the function);
    # each change is logged as an AtomReview row instead.
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.UNREVIEWED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    #: The content version the review judged; behind ``version`` once someone edits it.
    reviewed_version = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["topic", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def signature(self) -> str:
        """``def name(a: int, b: list[int]) -> int``."""
        return signature_line(self.entry_point, self.params, self.returns)

    @property
    def review_is_stale(self) -> bool:
        """True when the atom was reviewed, then edited: the review judged an older version."""
        return self.reviewed_version is not None and self.reviewed_version != self.version

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


class AtomReview(models.Model):
    """One annotation event, which is not a content change: a review decision, a notes edit,
    or new tags or difficulty.

    Content changes are :class:`AtomRevision` rows, numbered with the atom's version.
    Annotations are kept apart on purpose: approving or tagging an atom does not change the
    function, so it must not bump the version that snapshots and runs record, nor stale an
    approval, yet who decided what, about which version and when must survive later events.
    The atom carries the latest state for fast filtering; this table is the log behind it.
    """

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        NOTES = "notes", "Notes edited"
        ANNOTATIONS = "annotations", "Tags or difficulty changed"

    atom = models.ForeignKey(Atom, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    atom_version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=ReviewState.choices)
    notes = models.TextField(blank=True, help_text="the atom's notes after this event")
    #: For tag and difficulty events: ``{"tags": [old, new], "difficulty": [old, new]}``.
    changes = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["atom", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.atom.slug} {self.kind} {self.state}"

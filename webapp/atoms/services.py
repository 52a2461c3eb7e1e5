"""Every write to atoms goes through here (STYLE rule 2): create, edit, load the library,
validate. Each content change bumps the atom's version and stores a revision with the whole
new content and a field-by-field diff, so no version is ever lost. Annotations (tags,
difficulty, notes, the review state) are logged as :class:`AtomReview` events instead and
never make a version (:func:`atom_update` is that one rule, for every path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from webapp.accounts.models import User
from webapp.atoms.content import (
    ANNOTATION_FIELDS,
    ATOM_FIELDS,
    VARIANT_FIELDS,
    Content,
    content_diff,
    content_digest,
    spec_content,
)
from webapp.atoms.importing import Action, ImportPlan, import_plan
from webapp.atoms.library import load_library
from webapp.atoms.library.spec import AtomSpec
from webapp.atoms.models import (
    Atom,
    AtomReview,
    AtomRevision,
    AtomVariant,
    Origin,
    ReviewState,
    RevisionReason,
    ValidationStatus,
    VariantKind,
)
from webapp.atoms.validation import judge_atoms
from webapp.core.jobs import job_create, job_enqueue
from webapp.core.models import BackgroundJob


def atom_content(atom: Atom) -> Content:
    """The atom's current content (atom fields plus its modified variant under ``modify``)."""
    content: Content = {name: getattr(atom, name) for name in ATOM_FIELDS}
    variant = atom.variants.filter(kind=VariantKind.MODIFY).first()
    content["modify"] = {name: getattr(variant, name) for name in VARIANT_FIELDS} if variant else {}
    return content


def _write_content(atom: Atom, content: Content) -> None:
    # New content: whatever the sandbox said about the old one no longer holds.
    for name in ATOM_FIELDS:
        setattr(atom, name, content[name])
    atom.content_digest = content_digest(content)
    atom.status = ValidationStatus.UNVALIDATED
    atom.verdict = {}
    atom.validated_at = None
    atom.save()
    modify = content.get("modify") or {}
    fields = {name: modify.get(name, [] if name == "cases" else "") for name in VARIANT_FIELDS}
    fields.update(status=ValidationStatus.UNVALIDATED, verdict={})
    AtomVariant.objects.update_or_create(atom=atom, kind=VariantKind.MODIFY, defaults=fields)


def _write_annotations(
    atom: Atom, content: Content, changes: dict[str, list[object]], by: User | None
) -> None:
    for name in ANNOTATION_FIELDS:
        setattr(atom, name, content[name])
    atom.save(update_fields=[*sorted(ANNOTATION_FIELDS), "updated_at"])
    AtomReview.objects.create(
        atom=atom,
        kind=AtomReview.Kind.ANNOTATIONS,
        atom_version=atom.version,
        state=atom.review_state,
        notes=atom.notes,
        changes=changes,
        by=by,
    )


def _revise(
    atom: Atom,
    *,
    content: Content,
    changes: dict[str, list[object]],
    reason: str,
    by: User | None,
    message: str,
) -> AtomRevision:
    return AtomRevision.objects.create(
        atom=atom,
        number=atom.version,
        reason=reason,
        author=by,
        message=message[:300],
        content=content,
        changes=changes,
    )


@transaction.atomic
def atom_create(
    *, slug: str, content: Content, by: User | None, origin: str = Origin.APP, message: str = ""
) -> Atom:
    """A new atom (and its variant) at version 1, with revision 1 holding its content."""
    atom = Atom(slug=slug, origin=origin, author=by, version=1)
    if origin == Origin.LIBRARY:
        atom.library_digest = content_digest(content)
    _write_content(atom, content)
    _revise(
        atom, content=content, changes={}, reason=RevisionReason.CREATE, by=by, message=message or "created"
    )
    return atom


class EditConflict(Exception):
    """Someone saved the atom after the editor was opened: saving would silently undo their
    change (a lost update). Carries what is stored now, so both versions can be shown."""

    def __init__(self, *, base_version: int, current: Atom, content: Content, by: str) -> None:
        super().__init__(f"version {current.version} was saved by {by} since version {base_version}")
        self.base_version = base_version
        self.current = current
        self.content = content
        self.by = by


@transaction.atomic
def atom_update(
    *,
    atom: Atom,
    content: Content,
    by: User | None,
    message: str = "",
    reason: str = RevisionReason.EDIT,
    base_version: int | None = None,
) -> AtomRevision | None:
    """Replace the atom's content: the one rule for every path (editor, annotations panel,
    bulk tag, import, library load).

    A change to the function, prompts or cases bumps the version, stores a revision with
    what changed (annotations changed alongside included), and resets the sandbox verdict.
    A change to only :data:`~webapp.atoms.content.ANNOTATION_FIELDS` (tags, difficulty) is
    no new version: the fields change in place, an :class:`AtomReview` event logs it, and
    the version, the verdict and the approval stay. Returns the new revision, or ``None``
    when no version was made (nothing changed, or annotations only).

    ``base_version`` is the version the editor was opened at: when the atom has moved on
    since, :class:`EditConflict` is raised and nothing is written. The row lock makes two
    saves from the same version take turns, so the second one always sees the first."""
    atom = Atom.objects.select_for_update().get(pk=atom.pk)
    old = atom_content(atom)
    if base_version is not None and atom.version != base_version:
        last = atom.revisions.select_related("author").order_by("-number").first()
        author = last.author.username if last is not None and last.author is not None else "someone"
        raise EditConflict(base_version=base_version, current=atom, content=old, by=author)
    changes = content_diff(old, content)
    if not changes:
        return None
    if set(changes) <= ANNOTATION_FIELDS:
        _write_annotations(atom, content, changes, by)
        return None
    atom.version += 1
    _write_content(atom, content)
    return _revise(atom, content=content, changes=changes, reason=reason, by=by, message=message)


@dataclass
class LoadReport:
    """What ``library_load`` did, slug by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)  # edited in the app; left alone
    forced: list[str] = field(default_factory=list)  # edited in the app; overwritten by --force
    conflicts: list[str] = field(default_factory=list)  # an app atom already has the slug

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.forced)

    def summary(self) -> str:
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.kept_edits)} kept app edits",
            f"{len(self.forced)} forced",
            f"{len(self.conflicts)} slug conflicts",
        ]
        return ", ".join(parts)


def library_load(
    *, specs: Sequence[AtomSpec] | None = None, force: bool = False, by: User | None = None
) -> LoadReport:
    """Load or update the library idempotently.

    An atom whose library version did not change is left alone. An atom edited in the app
    keeps its edit unless ``force``; forcing stores the library version as a new revision, so
    the edit stays in the history.
    """
    report = LoadReport()
    existing = {a.slug: a for a in Atom.objects.all()}
    for spec in specs if specs is not None else load_library():
        content = spec_content(spec)
        digest = content_digest(content)
        atom = existing.get(spec.slug)
        if atom is None:
            atom_create(
                slug=spec.slug,
                content=content,
                by=by,
                origin=Origin.LIBRARY,
                message="loaded from the library",
            )
            report.created.append(spec.slug)
        elif atom.origin != Origin.LIBRARY:
            report.conflicts.append(spec.slug)
        elif atom.edited_in_app:
            if not force:
                report.kept_edits.append(spec.slug)
                continue
            _load_over(
                atom, content, digest, by, RevisionReason.LIBRARY_FORCE, "library forced over an app edit"
            )
            report.forced.append(spec.slug)
        elif atom.library_digest != digest:
            _load_over(atom, content, digest, by, RevisionReason.LIBRARY, "updated from the library")
            report.updated.append(spec.slug)
        else:
            report.unchanged.append(spec.slug)
    return report


@transaction.atomic
def _load_over(atom: Atom, content: Content, digest: str, by: User | None, reason: str, message: str) -> None:
    atom_update(atom=atom, content=content, by=by, message=message, reason=reason)
    Atom.objects.filter(pk=atom.pk).update(library_digest=digest)


#: Atoms per sandbox batch: large enough to keep both pool workers busy, small enough for a
#: progress bar that moves.
VALIDATE_BATCH = 20


def atoms_validate(
    *, atoms: Iterable[Atom], on_progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Judge each atom in the sandbox and save its status and verdict (and its variant's).

    Returns counts ``{"valid": n, "invalid": m}``. ``on_progress(done, total)`` is called
    after each batch.
    """
    todo = list(atoms)
    counts = {"valid": 0, "invalid": 0}
    for start in range(0, len(todo), VALIDATE_BATCH):
        batch = todo[start : start + VALIDATE_BATCH]
        contents = {a.slug: atom_content(a) for a in batch}
        verdicts = judge_atoms([(a.slug, contents[a.slug]) for a in batch])
        now = timezone.now()
        for atom, verdict in zip(batch, verdicts, strict=True):
            record = verdict.as_record()
            status = ValidationStatus.VALID if verdict.ok else ValidationStatus.INVALID
            # Only save the verdict if nobody edited the atom while it was being judged.
            Atom.objects.filter(pk=atom.pk, content_digest=content_digest(contents[atom.slug])).update(
                status=status, verdict=record, validated_at=now
            )
            AtomVariant.objects.filter(atom=atom, kind=VariantKind.MODIFY).update(
                status=ValidationStatus.VALID if verdict.modify_ok else ValidationStatus.INVALID,
                verdict={"ok": verdict.modify_ok, "problems": verdict.problems, "modify": verdict.modify},
            )
            counts["valid" if verdict.ok else "invalid"] += 1
        if on_progress:
            on_progress(min(start + VALIDATE_BATCH, len(todo)), len(todo))
    return counts


def atoms_validate_enqueue(*, by: User | None, slugs: list[str] | None = None) -> BackgroundJob:
    """A background job that validates ``slugs`` (every atom when ``None``) on the ``cpu``
    queue; the task is sent once the surrounding transaction commits."""
    from webapp.atoms.tasks import validate_atoms_task

    job = job_create(kind="atoms.validate", by=by, params={"slugs": slugs})
    job_enqueue(validate_atoms_task, BackgroundJob, job.pk)
    return job


# --- Authoring in the browser: save-and-validate, annotation, review, bulk, import ---------


class SlugTaken(Exception):
    """Another atom already has the slug (raised instead of a bare IntegrityError)."""


def atom_save(
    *,
    slug: str,
    content: Content,
    by: User,
    atom: Atom | None = None,
    message: str = "",
    base_version: int | None = None,
) -> Atom:
    """Create (``atom`` is ``None``) or update an atom, then validate it in the sandbox now.

    The content is stored whatever validation finds: a reference that fails, or does not
    even parse, is kept as a draft with status ``invalid`` and the verdict that says why, so
    an author's work is never lost. Validation runs after the write has committed (the
    sandbox call must not hold a row lock) and saves its verdict only if nobody edited the
    atom in between. Raises :class:`SlugTaken` when creating over an existing slug, and
    :class:`EditConflict` when ``base_version`` (the version the editor opened) is stale.
    """
    if atom is None:
        try:
            with transaction.atomic():
                atom = atom_create(slug=slug, content=content, by=by, message=message or "written in the app")
        except IntegrityError as exc:
            raise SlugTaken(slug) from exc
    else:
        atom_update(atom=atom, content=content, by=by, message=message, base_version=base_version)
    # Judge what was stored (the instance passed in may hold the content before the edit).
    atoms_validate(atoms=[Atom.objects.get(pk=atom.pk)])
    return Atom.objects.select_related("author", "reviewed_by").get(pk=atom.pk)


def _log_review(
    atom: Atom, *, kind: str, by: User | None, changes: dict[str, Any] | None = None
) -> AtomReview:
    return AtomReview.objects.create(
        atom=atom,
        kind=kind,
        atom_version=atom.version,
        state=atom.review_state,
        notes=atom.notes,
        by=by,
        changes=changes or {},
    )


@transaction.atomic
def atom_review(*, atom: Atom, state: str, by: User) -> AtomReview:
    """Set the review state (who, when, which version) and log the decision.

    Logged even when the state does not change: approving again after an edit is a new
    decision about a new version.
    """
    if state not in ReviewState.values:
        raise ValueError(f"unknown review state {state!r}")
    atom = Atom.objects.select_for_update().get(pk=atom.pk)
    # What the decision replaced, so that it can be undone exactly (atom_review_undo).
    before = {
        "state": atom.review_state,
        "by": atom.reviewed_by_id,
        "at": atom.reviewed_at.isoformat() if atom.reviewed_at else None,
        "version": atom.reviewed_version,
    }
    _set_review(atom, state=state, by_id=by.pk, at=timezone.now(), version=atom.version)
    changes = {"state": [before["state"], state], "before": before}
    return _log_review(atom, kind=AtomReview.Kind.REVIEW, by=by, changes=changes)


def _set_review(atom: Atom, *, state: str, by_id: int | None, at: Any, version: int | None) -> None:
    atom.review_state = state
    atom.reviewed_by_id = by_id
    atom.reviewed_at = at
    atom.reviewed_version = version
    atom.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "reviewed_version", "updated_at"])


#: How long a queue decision can be undone: the Undo is for "I pressed the wrong key", not a
#: way to rewrite old decisions (a new decision does that, and is logged).
UNDO_WINDOW = timedelta(minutes=10)


class UndoRefused(Exception):
    """A decision that can no longer be undone (the message says why)."""


@transaction.atomic
def atom_review_undo(*, review: AtomReview, by: User) -> AtomReview:
    """Put the atom's review back as it was before ``review`` (state, reviewer, time and
    version) and log that as a new review event naming the one it undoes. Only the atom's
    latest decision, within :data:`UNDO_WINDOW`, and only once."""
    atom = Atom.objects.select_for_update().get(pk=review.atom_id)
    latest = atom.reviews.filter(kind=AtomReview.Kind.REVIEW).order_by("-id").first()
    before = (review.changes or {}).get("before")
    if latest is None or latest.pk != review.pk or "undoes" in (review.changes or {}):
        raise UndoRefused(f"{atom.slug} has had another decision since; decide again instead")
    if before is None:
        raise UndoRefused("this decision was made before decisions could be undone")
    if timezone.now() - review.created_at > UNDO_WINDOW:
        raise UndoRefused(f"a decision can be undone for {UNDO_WINDOW.seconds // 60} minutes")
    at = datetime.fromisoformat(before["at"]) if before["at"] else None
    _set_review(atom, state=before["state"], by_id=before["by"], at=at, version=before["version"])
    changes = {"state": [review.state, before["state"]], "undoes": review.pk}
    return _log_review(atom, kind=AtomReview.Kind.REVIEW, by=by, changes=changes)


@transaction.atomic
def atom_notes_set(*, atom: Atom, notes: str, by: User) -> AtomReview | None:
    """Replace the free-text notes; logged as an event (``None`` when unchanged)."""
    atom = Atom.objects.select_for_update().get(pk=atom.pk)
    if atom.notes == notes:
        return None
    atom.notes = notes
    atom.save(update_fields=["notes", "updated_at"])
    return _log_review(atom, kind=AtomReview.Kind.NOTES, by=by)


def atom_annotate(*, atom: Atom, by: User, tags: list[str], difficulty: int, notes: str) -> Atom:
    """Set tags and difficulty and the notes: annotations, each change logged as an
    :class:`AtomReview` event; no new version, the verdict and approval stay."""
    with transaction.atomic():
        content = atom_content(Atom.objects.get(pk=atom.pk))
        atom_update(atom=atom, content={**content, "tags": tags, "difficulty": difficulty}, by=by)
        atom_notes_set(atom=atom, notes=notes, by=by)
    return Atom.objects.select_related("author", "reviewed_by").get(pk=atom.pk)


def atoms_tag(*, atoms: Iterable[Atom], tag: str, by: User) -> list[str]:
    """Add ``tag`` to each atom that lacks it (an annotation: no new version, the verdict
    and approval stay); returns the slugs changed."""
    changed = []
    for atom in atoms:
        content = atom_content(atom)
        if tag in content["tags"]:
            continue
        atom_update(atom=atom, content={**content, "tags": [*content["tags"], tag]}, by=by)
        changed.append(atom.slug)
    return changed


def atoms_review(*, atoms: Iterable[Atom], state: str, by: User) -> list[str]:
    """Set one review state on many atoms (each decision logged); returns the slugs."""
    return [atom_review(atom=a, state=state, by=by).atom.slug for a in atoms]


@dataclass
class ImportResult:
    """What ``atoms_import`` did: the plan it applied, line by line, and the validation job."""

    plan: ImportPlan
    applied: list[str] = field(default_factory=list)
    job: BackgroundJob | None = None

    @property
    def statuses(self) -> dict[str, str]:
        """Validation status of each applied atom, as it stands now."""
        return dict(Atom.objects.filter(slug__in=self.applied).values_list("slug", "status"))


def atoms_import(*, text: str | Iterable[str], by: User, apply: bool, filename: str = "") -> ImportResult:
    """Dry-run (``apply=False``) or apply an import of atom records (JSONL).

    Every good line is written on its own (a new atom, or a new revision of an existing
    one), so one bad or conflicting line loses nothing else; such a line is reported as
    rejected with the reason. Imported atoms are queued for validation in the sandbox.
    ``text`` is the whole file or its lines (an upload is read a line at a time); the plan is
    complete before anything is written.
    """
    plan = import_plan(text)
    result = ImportResult(plan=plan)
    if not apply:
        return result
    message = f"imported from {filename}" if filename else "imported"
    for line in plan.to_apply:
        assert line.content is not None
        try:
            if line.action == Action.CREATE:
                with transaction.atomic():
                    atom_create(slug=line.slug, content=line.content, by=by, message=message)
            else:
                atom_update(
                    atom=Atom.objects.get(slug=line.slug), content=line.content, by=by, message=message
                )
        except (IntegrityError, Atom.DoesNotExist) as exc:
            # Someone created or deleted that slug between the plan and now.
            line.action, line.reason = Action.REJECT, f"changed while importing: {type(exc).__name__}"
            continue
        result.applied.append(line.slug)
    if len(result.applied) <= VALIDATE_BATCH:
        # One sandbox batch (well under a second): judge now, so the result page shows it.
        atoms_validate(atoms=Atom.objects.filter(slug__in=result.applied))
    else:
        result.job = atoms_validate_enqueue(by=by, slugs=result.applied)
    return result

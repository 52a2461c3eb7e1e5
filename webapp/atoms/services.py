"""Every write to atoms goes through here (STYLE rule 2): create, edit, load the library,
validate. Each content change bumps the atom's version and stores a revision with the whole
new content and a field-by-field diff, so no version is ever lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from webapp.accounts.models import User
from webapp.atoms.content import (
    ATOM_FIELDS,
    VARIANT_FIELDS,
    Content,
    content_diff,
    content_digest,
    spec_content,
)
from webapp.atoms.library import load_library
from webapp.atoms.library.spec import AtomSpec
from webapp.atoms.models import (
    Atom,
    AtomRevision,
    AtomVariant,
    Origin,
    RevisionReason,
    ValidationStatus,
    VariantKind,
)
from webapp.atoms.validation import judge_atoms
from webapp.core.jobs import job_create
from webapp.core.models import BackgroundJob


def atom_content(atom: Atom) -> Content:
    """The atom's current content (atom fields plus its modified variant under ``modify``)."""
    content: Content = {name: getattr(atom, name) for name in ATOM_FIELDS}
    variant = atom.variants.filter(kind=VariantKind.MODIFY).first()
    content["modify"] = {name: getattr(variant, name) for name in VARIANT_FIELDS} if variant else {}
    return content


def _write_content(atom: Atom, content: Content) -> None:
    for name in ATOM_FIELDS:
        setattr(atom, name, content[name])
    atom.content_digest = content_digest(content)
    atom.status = ValidationStatus.UNVALIDATED
    atom.verdict = {}
    atom.validated_at = None
    atom.save()
    modify = content.get("modify") or {}
    AtomVariant.objects.update_or_create(
        atom=atom,
        kind=VariantKind.MODIFY,
        defaults={
            **{name: modify.get(name, [] if name == "cases" else "") for name in VARIANT_FIELDS},
            "status": ValidationStatus.UNVALIDATED,
            "verdict": {},
        },
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


@transaction.atomic
def atom_update(
    *, atom: Atom, content: Content, by: User | None, message: str = "", reason: str = RevisionReason.EDIT
) -> AtomRevision | None:
    """Replace the atom's content; a new revision records what changed. Returns ``None``
    (and writes nothing) when the content is unchanged."""
    atom = Atom.objects.select_for_update().get(pk=atom.pk)
    old = atom_content(atom)
    changes = content_diff(old, content)
    if not changes:
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
    transaction.on_commit(lambda: validate_atoms_task.delay(job.pk))
    return job

"""Loading the library: idempotent, never overwrites an app edit without --force, and every
change leaves a revision saying who changed what."""

from __future__ import annotations

import dataclasses
from io import StringIO
from typing import Any

from django.core.management import call_command

from webapp.atoms.content import content_digest
from webapp.atoms.library.spec import AtomSpec
from webapp.atoms.models import Atom, AtomRevision, AtomVariant, Origin, RevisionReason, ValidationStatus
from webapp.atoms.services import atom_content, atom_update, library_load


def _snapshot() -> dict[str, tuple[int, Any, str]]:
    return {a.slug: (a.version, a.updated_at, a.content_digest) for a in Atom.objects.all()}


def test_first_load_creates_100_atoms_each_with_a_variant_and_a_revision(loaded: Any) -> None:
    assert len(loaded.created) == 100 and not loaded.updated
    assert Atom.objects.count() == 100
    assert AtomVariant.objects.count() == 100
    assert AtomRevision.objects.filter(reason=RevisionReason.CREATE, number=1).count() == 100
    atom = Atom.objects.get(slug="rotate_left")
    assert atom.origin == Origin.LIBRARY and atom.status == ValidationStatus.UNVALIDATED
    assert atom.signature == "def rotate_left(xs: list[int], k: int) -> list[int]"
    assert atom.library_digest == atom.content_digest == content_digest(atom_content(atom))


def test_loading_twice_changes_nothing(loaded: Any) -> None:
    before = _snapshot()
    revisions = AtomRevision.objects.count()
    out = StringIO()
    call_command("load_atoms", stdout=out)
    assert "0 created, 0 updated, 100 unchanged" in out.getvalue()
    assert _snapshot() == before
    assert AtomRevision.objects.count() == revisions


def _edit(atom: Atom, user: Any, **changes: Any) -> None:
    content = atom_content(atom)
    content.update(changes)
    atom_update(atom=atom, content=content, by=user, message="clearer wording")


def test_an_edited_atom_survives_a_reload_and_force_keeps_the_edit_as_a_revision(
    loaded: Any, researcher: Any
) -> None:
    atom = Atom.objects.get(slug="rotate_left")
    _edit(atom, researcher, prompt_en="Rotate the list xs left by k places.")
    atom.refresh_from_db()
    assert atom.edited_in_app and atom.version == 2

    report = library_load()
    assert report.kept_edits == ["rotate_left"] and not report.changed
    atom.refresh_from_db()
    assert atom.prompt_en == "Rotate the list xs left by k places."

    out = StringIO()
    call_command("load_atoms", "--force", stdout=out)
    assert "1 forced" in out.getvalue()
    atom.refresh_from_db()
    assert atom.prompt_en.startswith("Rotate xs to the left by k positions")
    assert not atom.edited_in_app and atom.version == 3
    history = list(atom.revisions.order_by("number"))
    assert [r.reason for r in history] == [
        RevisionReason.CREATE,
        RevisionReason.EDIT,
        RevisionReason.LIBRARY_FORCE,
    ]
    assert history[1].content["prompt_en"] == "Rotate the list xs left by k places."  # the edit is kept


def test_revisions_show_who_changed_what(loaded: Any, researcher: Any) -> None:
    atom = Atom.objects.get(slug="rotate_left")
    content = atom_content(atom)
    content["difficulty"] = 3
    content["modify"] = {**content["modify"], "change": "rotate right, not left"}
    revision = atom_update(atom=atom, content=content, by=researcher, message="harder")
    assert revision is not None
    assert revision.author == researcher and revision.number == 2 and revision.message == "harder"
    assert revision.changed_fields == ["difficulty", "modify.change"]
    assert revision.changes["difficulty"] == [1, 3]
    assert atom_update(atom=atom, content=content, by=researcher) is None  # nothing changed: no revision
    assert atom.revisions.count() == 2


def test_a_code_edit_resets_validation_but_a_tag_edit_keeps_it(loaded: Any, researcher: Any) -> None:
    Atom.objects.filter(slug="rotate_left").update(status=ValidationStatus.VALID, verdict={"ok": True})
    AtomVariant.objects.filter(atom__slug="rotate_left").update(status=ValidationStatus.VALID)
    atom = Atom.objects.get(slug="rotate_left")
    _edit(atom, researcher, tags=["rotation"], difficulty=2)
    atom.refresh_from_db()
    assert atom.status == ValidationStatus.VALID and atom.verdict == {"ok": True} and atom.version == 1
    assert atom.tags == ["rotation"] and not atom.edited_in_app and atom.revisions.count() == 1
    assert atom.variants.get().status == ValidationStatus.VALID
    _edit(atom, researcher, solution=atom.solution + "\n")
    atom.refresh_from_db()
    assert atom.status == ValidationStatus.UNVALIDATED and atom.verdict == {} and atom.version == 2
    assert atom.variants.get().status == ValidationStatus.UNVALIDATED


def test_a_changed_library_atom_is_updated_with_a_library_revision(
    loaded: Any, specs: list[AtomSpec]
) -> None:
    changed = [
        dataclasses.replace(s, prompt_en=s.prompt_en + " Do not modify xs.") if s.slug == "rotate_left" else s
        for s in specs
    ]
    report = library_load(specs=changed)
    assert report.updated == ["rotate_left"] and len(report.unchanged) == 99
    atom = Atom.objects.get(slug="rotate_left")
    assert atom.prompt_en.endswith("Do not modify xs.") and not atom.edited_in_app
    latest = atom.revisions.order_by("-number").first()
    assert latest is not None and latest.reason == RevisionReason.LIBRARY
    assert latest.changed_fields == ["prompt_en"] and latest.author is None


def test_a_library_slug_taken_by_an_app_atom_is_reported_not_overwritten(
    db: Any, specs: list[AtomSpec], researcher: Any
) -> None:
    from webapp.atoms.content import spec_content
    from webapp.atoms.services import atom_create

    first = specs[0]
    atom_create(slug=first.slug, content=spec_content(first), by=researcher)
    report = library_load(specs=specs[:3])
    assert report.conflicts == [first.slug] and len(report.created) == 2
    assert Atom.objects.get(slug=first.slug).origin == Origin.APP

"""The migration that made tags and difficulty annotations recomputes stored digests, so a
library atom whose only app change was a tag stops counting as "edited in the app"."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from webapp.atoms.content import content_digest, spec_content
from webapp.atoms.library import load_library

BEFORE = [("atoms", "0002_review_and_notes")]
AFTER = [("atoms", "0003_annotations_are_events")]


def _old_digest(content: dict[str, Any]) -> str:
    # The digest as it was before: over all of the content, tags and difficulty included.
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_tag_only_app_edit_is_no_longer_an_edit_after_the_migration() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Atom = apps.get_model("atoms", "Atom")
    AtomVariant = apps.get_model("atoms", "AtomVariant")
    AtomRevision = apps.get_model("atoms", "AtomRevision")
    spec = next(s for s in load_library() if s.slug == "digit_sum")
    loaded = spec_content(spec)
    tagged = {**loaded, "tags": [*loaded["tags"], "core"]}
    fields = {k: v for k, v in tagged.items() if k != "modify"}
    atom = Atom.objects.create(
        slug="digit_sum",
        origin="library",
        version=2,
        library_digest=_old_digest(loaded),
        content_digest=_old_digest(tagged),
        **fields,
    )
    AtomVariant.objects.create(atom=atom, kind="modify", **tagged["modify"])
    AtomRevision.objects.create(atom=atom, number=1, reason="create", content=loaded)
    AtomRevision.objects.create(atom=atom, number=2, reason="edit", content=tagged)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    migrated = apps.get_model("atoms", "Atom").objects.get(slug="digit_sum")
    assert migrated.content_digest == migrated.library_digest == content_digest(tagged)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

"""Recipe files: the builder's download re-makes the same snapshot through
``freeze_mixture NAME --recipe FILE``; every malformed file is refused with where and why."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from webapp.mixtures.models import Mixture, Snapshot
from webapp.mixtures.recipe import Item, RecipeError
from webapp.mixtures.recipe_file import recipe_parse
from webapp.mixtures.services import mixture_create, snapshot_freeze

RECIPE = """\
seed: 3
tokenizer: whitespace
sources:
  - {source: atom_base, ratio: 100, lang: en, role: train}
  - {source: atom_modify, ratio: 2.5, lang: zh, role: train}
  - {source: atom_base, ratio: 50, lang: en, role: eval}
"""


def _freeze(name: str, path: Path) -> tuple[str, str]:
    out = StringIO()
    call_command("freeze_mixture", name, "--recipe", str(path), stdout=out, stderr=StringIO())
    sha, where = out.getvalue().split("\n")[:2]
    return sha, where


def test_a_recipe_file_creates_and_freezes_a_mixture_and_prints_the_hash_first(
    loaded: Any, artifacts: Path, tmp_path: Path
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    sha, where = _freeze("scripted", path)
    snapshot = Snapshot.objects.get(sha256=sha)
    assert Path(where).exists() and snapshot.version.mixture.name == "scripted"
    version = Mixture.objects.get(name="scripted").latest
    assert (version.seed, [i["ratio"] for i in version.items]) == (3, ["100", "2.5", "50"])
    assert snapshot.counts["role"]["eval"] > 0 and snapshot.counts["lang"]["zh"] > 0
    # The same file again: the same snapshot, no new version.
    assert _freeze("scripted", path)[0] == sha and Mixture.objects.get(name="scripted").versions.count() == 1
    # A changed file makes the next version of the same mixture (the frozen one is kept).
    path.write_text(RECIPE.replace("seed: 3", "seed: 4"), encoding="utf-8")
    assert _freeze("scripted", path)[0] != sha
    assert sorted(Mixture.objects.get(name="scripted").versions.values_list("number", flat=True)) == [1, 2]


def test_the_builders_download_remakes_the_same_snapshot(
    client: Any, researcher: Any, loaded: Any, artifacts: Path, tmp_path: Path
) -> None:
    mixture = mixture_create(
        name="browser made",
        by=researcher,
        seed=9,
        items=[
            Item(source="atom_base", ratio=Decimal("12.5")),
            Item(source="atom_modify", ratio=Decimal(300)),
        ],
    )
    browser = snapshot_freeze(version=mixture.latest, by=researcher)
    client.force_login(researcher)
    page = client.get(reverse("mixture", args=[mixture.pk])).content.decode()
    url = reverse("mixture-recipe", args=[mixture.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert 'filename="browser-made-v1.recipe.yaml"' in response["Content-Disposition"]
    path = tmp_path / "downloaded.yaml"
    path.write_bytes(response.content)
    sha, _ = _freeze("script-made", path)
    assert sha == browser.sha256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: [1\n", r"not valid YAML or JSON at line 2"),
        ("- 1\n", "a recipe is a mapping"),
        ("seed: 0\nsources: []\n", "sources must be a non-empty list"),
        ("sed: 0\nsources: [{source: atom_base}]\n", "unknown key\\(s\\) sed"),
        ("seed: x\nsources: [{source: atom_base}]\n", "seed must be a whole number"),
        ("sources: [{source: atom_base, ratio: 700}]\n", "ratio 700% is outside"),
        ("sources: [{source: atom_base, lang: fr}]\n", "language 'fr'"),
        ("sources: [{ratio: 5}]\n", "sources item 1 has no source"),
        ("sources: [{source: atom_base, weight: 5}]\n", "sources item 1: unknown key\\(s\\) weight"),
        ('{"seed": 1, "sources": [{"source": "atom_base", "role": "test"}]}', "role 'test'"),
    ],
)
def test_a_malformed_recipe_is_refused_with_where_and_why(text: str, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        recipe_parse(text)


def test_the_command_refuses_bad_files_and_creates_nothing(
    loaded: Any, artifacts: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sources: [{source: no_such_source, ratio: 100}]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown source 'no_such_source'"):
        _freeze("never", path)
    with pytest.raises(CommandError, match="cannot read the recipe"):
        _freeze("never", tmp_path / "missing.yaml")
    assert not Mixture.objects.filter(name="never").exists()
    assert not Snapshot.objects.exists()

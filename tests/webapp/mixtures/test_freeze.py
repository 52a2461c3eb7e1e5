"""Freezing a mixture: content-hashed files, versions, statistics, exports and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from webapp.atoms.models import Atom
from webapp.mixtures.models import Mixture, Snapshot
from webapp.mixtures.recipe import Item, RecipeError
from webapp.mixtures.services import (
    mixture_create,
    mixture_save,
    snapshot_freeze,
    snapshot_parquet,
    snapshot_rows,
)

PAPER = [
    Item(source="atom_modify", ratio=Decimal(600)),
    Item(source="atom_base", ratio=Decimal(1)),
    Item(source="atom_base", ratio=Decimal(100), lang="zh", role="eval"),
]


def _mixture(name: str = "paper", items: list[Item] = PAPER, **kw: Any) -> Mixture:
    return mixture_create(name=name, by=None, seed=kw.pop("seed", 11), items=items, **kw)


def test_freezing_the_same_recipe_twice_gives_the_same_hash_and_file(loaded: Any, artifacts: Path) -> None:
    first = snapshot_freeze(version=_mixture("one").latest, by=None)
    content = (artifacts / first.path).read_bytes()
    # A second mixture with the same recipe, frozen separately: same bytes, same hash.
    second = snapshot_freeze(version=_mixture("two").latest, by=None)
    assert second.sha256 == first.sha256 and second.pk != first.pk
    assert (artifacts / second.path).read_bytes() == content
    assert first.path == f"snapshots/{first.sha256}.jsonl"
    # Freezing the same version again is the same snapshot row.
    again = snapshot_freeze(version=first.version, by=None)
    assert again.pk == first.pk
    assert sorted(p.name for p in (artifacts / "snapshots").iterdir()) == [f"{first.sha256}.jsonl"]


def test_a_different_seed_gives_a_different_hash(loaded: Any) -> None:
    a = snapshot_freeze(version=_mixture("a", seed=1).latest, by=None)
    b = snapshot_freeze(version=_mixture("b", seed=2).latest, by=None)
    assert a.sha256 != b.sha256


def test_snapshot_row_holds_counts_token_stats_and_recipe(loaded: Any) -> None:
    snap = snapshot_freeze(version=_mixture().latest, by=None)
    assert snap.rows == 701
    assert snap.counts["source"] == {"atom_base": 101, "atom_modify": 600}
    assert snap.counts["role"] == {"eval": 100, "train": 601}
    assert snap.counts["lang"] == {"en": 601, "zh": 100}
    assert sum(snap.counts["topic"].values()) == 701 and len(snap.counts["topic"]) == 10
    stats = snap.token_stats
    assert stats["tokenizer"] == "whitespace"
    for part in ("prompt", "solution"):
        s = stats[part]
        assert 0 < s["min"] <= s["median"] <= s["p95"] <= s["max"]
    assert snap.recipe["name"] == "paper" and snap.recipe["seed"] == 11
    assert snap.recipe["items"][0] == {"source": "atom_modify", "ratio": "600", "lang": "en", "role": "train"}


def test_editing_a_frozen_mixture_makes_a_new_version_and_keeps_the_old_snapshot(loaded: Any) -> None:
    mixture = _mixture()
    v1 = mixture.latest
    # Unfrozen: an edit changes version 1 in place.
    assert mixture_save(mixture=mixture, by=None, seed=12, tokenizer="whitespace", items=PAPER).pk == v1.pk
    old = snapshot_freeze(version=mixture.latest, by=None)
    v2 = mixture_save(mixture=mixture, by=None, seed=13, tokenizer="whitespace", items=PAPER)
    assert (v2.number, v2.frozen_at) == (2, None)
    new = snapshot_freeze(version=v2, by=None)
    assert new.sha256 != old.sha256
    assert Snapshot.objects.get(pk=old.pk).recipe["seed"] == 12
    # Saving the same recipe again writes nothing.
    assert mixture_save(mixture=mixture, by=None, seed=13, tokenizer="whitespace", items=PAPER).pk == v2.pk


def test_a_recipe_with_no_items_or_an_unknown_source_is_refused(loaded: Any) -> None:
    empty = _mixture("empty", items=[]).latest
    with pytest.raises(RecipeError, match="no sources"):
        snapshot_freeze(version=empty, by=None)
    empty.refresh_from_db()
    assert empty.frozen_at is None  # a failed freeze leaves the draft editable in place
    with pytest.raises(RecipeError, match="unknown source 'composite:Z'"):
        _mixture("bad", items=[Item(source="composite:Z", ratio=Decimal(100))])


def test_as_authored_takes_each_atom_in_its_original_language(loaded: Any) -> None:
    Atom.objects.filter(slug="rotate_left").update(original_lang="zh")
    mixture = _mixture("authored", items=[Item(source="atom_base", ratio=Decimal(100), lang="authored")])
    rows = list(snapshot_rows(snapshot_freeze(version=mixture.latest, by=None)))
    langs = {r.meta["atoms"][0]: r.lang for r in rows}
    assert langs["rotate_left"] == "zh" and set(langs.values()) == {"en", "zh"} and len(rows) == 100


def test_translation_pairs_map_an_atom_prompt_to_its_other_language(loaded: Any) -> None:
    mixture = _mixture("tr", items=[Item(source="prompt_translation:en2cn", ratio=Decimal(100), lang="zh")])
    snap = snapshot_freeze(version=mixture.latest, by=None)
    row = next(r for r in snapshot_rows(snap) if r.meta["atoms"] == ["rotate_left"])
    atom = Atom.objects.get(slug="rotate_left")
    assert row.prompt.startswith("Translate the following programming task into Chinese.")
    assert atom.prompt_en in row.prompt and row.solution.startswith(atom.prompt_zh)
    assert (row.lang, row.cases, row.meta["kind"]) == ("zh", [], "translation")
    with pytest.raises(RecipeError, match="produces zh text"):
        _mixture("tr-bad", items=[Item(source="prompt_translation:en2cn", ratio=Decimal(100), lang="en")])
        snapshot_freeze(version=Mixture.objects.get(name="tr-bad").latest, by=None)


def test_freeze_mixture_command_prints_hash_and_path(loaded: Any, artifacts: Path) -> None:
    _mixture()
    out = StringIO()
    call_command("freeze_mixture", "paper", stdout=out, stderr=StringIO())
    sha, path = out.getvalue().split()
    assert len(sha) == 64 and Path(path) == artifacts / "snapshots" / f"{sha}.jsonl" and Path(path).exists()
    with pytest.raises(CommandError, match="no mixture named 'nope'"):
        call_command("freeze_mixture", "nope", stdout=StringIO(), stderr=StringIO())


def test_export_problems_takes_a_snapshot_hash_prefix(loaded: Any, tmp_path: Path, artifacts: Path) -> None:
    snap = snapshot_freeze(version=_mixture().latest, by=None)
    out = tmp_path / "out.jsonl"
    call_command("export_problems", "--snapshot", snap.sha256[:10], "--out", str(out), stderr=StringIO())
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = [json.loads(line) for line in (artifacts / snap.path).read_text(encoding="utf-8").splitlines()]
    assert exported == stored and len(exported) == 701
    with pytest.raises(CommandError, match="no snapshot hash starts with"):
        call_command("export_problems", "--snapshot", "0000", "--out", str(out), stderr=StringIO())


def test_parquet_export_reads_back_as_a_plain_table(loaded: Any) -> None:
    snap = snapshot_freeze(version=_mixture().latest, by=None)
    table = pq.read_table(snapshot_parquet(snapshot=snap))
    assert table.num_rows == 701
    assert table.column_names == [
        "task_id", "source", "pool", "lang", "prompt", "entry_point",
        "solution", "test", "cases", "meta", "role", "mixture_source",
    ]  # fmt: skip
    first = table.slice(0, 1).to_pylist()[0]
    assert json.loads(first["cases"]) and json.loads(first["meta"])["mixture"]["source"] == "atom_modify"
    assert first["role"] == "train"
    assert table.to_pydict()["role"].count("eval") == 100


def test_token_stats_can_use_a_tokenizer_json_file(loaded: Any, tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(
        ["def f(xs):\n    return sum(xs)\n"] * 20,
        trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"]),
    )
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    mixture = _mixture("bpe", items=[Item(source="atom_base", ratio=Decimal(100))], tokenizer=str(path))
    snap = snapshot_freeze(version=mixture.latest, by=None)
    bytes_mixture = _mixture(
        "bytes", items=[Item(source="atom_base", ratio=Decimal(100))], tokenizer="utf8-bytes"
    )
    by_bytes = snapshot_freeze(version=bytes_mixture.latest, by=None)
    assert snap.token_stats["tokenizer"] == str(path)
    assert 0 < snap.token_stats["solution"]["max"] < by_bytes.token_stats["solution"]["max"]
    assert snap.sha256 == by_bytes.sha256  # statistics never change the rows

"""Every problem source builds a typed ``ProblemRecord``; snapshots keep the bytes (and hashes)
they had when records were plain dicts; a record that fails its checks is reported with its
source and task and never written; the GPU worker's loader reads the snapshots frozen here."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from training_worker import data as worker_data
from training_worker.contracts import SCHEMA_VERSION, UNMARKED_PROBLEM_VERSION, ProblemRecord
from webapp.atoms.models import Atom, VariantKind
from webapp.core.artifacts import artifact_storage
from webapp.core.problems import InvalidRecord, problem_records, record_json
from webapp.mixtures.models import BenchmarkProblem, ItemLang, Mixture, Snapshot
from webapp.mixtures.recipe import Item, RecipeError
from webapp.mixtures.services import (
    BenchmarkImportError,
    benchmark_import,
    item_rows,
    mixture_create,
    snapshot_freeze,
    snapshot_parquet,
    snapshot_rows,
)
from webapp.mixtures.services.parquet import PARQUET_SCHEMA_VERSION_KEY
from webapp.mixtures.storage import write_snapshot
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute

#: A fixed recipe on the library atoms touching every atom-made source and language mode.
RECIPE = [
    Item(source="atom_modify", ratio=Decimal(600)),
    Item(source="atom_base", ratio=Decimal(1)),
    Item(source="atom_base", ratio=Decimal(100), lang=ItemLang.ZH, role="eval"),
    Item(source="atom_base", ratio=Decimal(50), lang=ItemLang.AUTHORED),
    Item(source="atom_translate", ratio=Decimal(250), lang=ItemLang.ZH),
    Item(source="prompt_translation:en2cn", ratio=Decimal(30), lang=ItemLang.ZH),
    Item(source="prompt_translation:cn2en", ratio=Decimal(30), lang=ItemLang.EN, role="eval"),
]
LEGACY_KEYS = (
    "task_id",
    "source",
    "pool",
    "lang",
    "prompt",
    "entry_point",
    "solution",
    "cases",
    "test",
    "meta",
)


def _freeze(name: str, items: list[Item], seed: int = 5) -> Snapshot:
    return snapshot_freeze(version=mixture_create(name=name, by=None, seed=seed, items=items).latest, by=None)


def _legacy_line(record: ProblemRecord) -> bytes:
    """The snapshot line of the untyped-dict days, rebuilt from the record's fields: exactly
    DESIGN.md's ten keys, sorted, no spaces."""
    legacy = {key: getattr(record, key) for key in LEGACY_KEYS}
    return (json.dumps(legacy, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _legacy_atom_dict(atom: Atom, source: str, lang: str) -> dict[str, Any]:
    """How the atom sources assembled their dicts before ``ProblemRecord`` (from the model,
    not from any record), for ``atom_base`` and ``atom_modify``."""
    variant = next(v for v in atom.variants.all() if v.kind == VariantKind.MODIFY)
    holder: Any = atom if source == "atom_base" else variant
    meta: dict[str, Any] = {
        "atoms": [atom.slug],
        "topic": atom.topic,
        "difficulty": atom.difficulty,
        "tags": list(atom.tags),
        "signature": {"params": atom.params, "returns": atom.returns},
        "original_lang": atom.original_lang,
        "atom_version": atom.version,
    }
    if source == "atom_modify":
        meta["change"] = variant.change
    return {
        "task_id": f"{source}/{atom.slug}/{lang}",
        "source": source,
        "pool": None,
        "lang": lang,
        "prompt": f"{getattr(holder, f'prompt_{lang}')}\n\n{atom.signature}:\n",
        "entry_point": atom.entry_point,
        "solution": holder.solution,
        "cases": [{"args": c["args"], "expected": c["expected"]} for c in holder.cases],
        "test": None,
        "meta": meta,
    }


# --- one typed record per source ----------------------------------------------------------


@pytest.fixture
def every_source(loaded: Any, humaneval_path: Path) -> list[str]:
    """Composite pools, an imported benchmark and a snapshot beside the atom sources."""
    config = SynthesisConfig(pools={"A": 8}, depth=(2, 2), seed=3)
    run_execute(run=run_create(by=None, config=config, enqueue=False))
    benchmark_import(name="he", data=humaneval_path.read_bytes(), by=None)
    snapshot = _freeze("small", [Item(source="atom_base", ratio=Decimal(10))])
    return [
        "atom_base",
        "atom_modify",
        "atom_translate",
        "prompt_translation:en2cn",
        "prompt_translation:cn2en",
        "composite:A",
        "benchmark:he",
        f"snapshot:{snapshot.sha256}",
    ]


def test_every_source_builds_problem_records_that_round_trip_through_json(every_source: list[str]) -> None:
    counts = {}
    for name in every_source:
        records = list(problem_records(name))
        counts[name] = len(records)
        for record in records:
            assert type(record) is ProblemRecord, name
            assert ProblemRecord.from_json(record.to_json()) == record
            # What files get is to_dict() itself, less the version a version 1 line leaves out.
            assert record_json(record) == {k: v for k, v in record.to_dict().items() if k != "schema_version"}
            assert list(record_json(record)) == list(LEGACY_KEYS)
    assert counts == {
        "atom_base": 100,
        "atom_modify": 100,
        "atom_translate": 100,
        "prompt_translation:en2cn": 100,
        "prompt_translation:cn2en": 100,
        "composite:A": 8,
        "benchmark:he": 164,
        every_source[-1]: 10,
    }


def test_atom_records_hold_what_the_untyped_dicts_held(loaded: Any) -> None:
    atoms = {a.slug: a for a in Atom.objects.prefetch_related("variants")}
    for source in ("atom_base", "atom_modify"):
        for lang in ("en", "zh"):
            records = list(problem_records(source, lang=lang))
            assert len(records) == 100
            for record in records:
                legacy = _legacy_atom_dict(atoms[record.meta["atoms"][0]], source, lang)
                assert record_json(record) == legacy


# --- snapshot bytes and the schema version --------------------------------------------------


def test_a_frozen_snapshot_has_the_bytes_of_the_legacy_record_lines(loaded: Any, artifacts: Path) -> None:
    snapshot = _freeze("fixed", RECIPE, seed=11)
    rows = [row for item in RECIPE for row in item_rows(item, 11)]
    expected = b"".join(_legacy_line(row) for row in rows)
    assert snapshot.rows == len(rows) == 600 + 1 + 100 + 50 + 250 + 30 + 30
    assert (artifacts / snapshot.path).read_bytes() == expected
    assert snapshot.sha256 == hashlib.sha256(expected).hexdigest()
    assert all(b"schema_version" not in line for line in expected.splitlines())
    # The version is recorded once, on the row and in the Parquet file's metadata.
    assert snapshot.record_schema_version == SCHEMA_VERSION == UNMARKED_PROBLEM_VERSION
    metadata = pq.read_schema(snapshot_parquet(snapshot=snapshot)).metadata
    assert metadata[PARQUET_SCHEMA_VERSION_KEY.encode()] == str(SCHEMA_VERSION).encode()


def test_a_snapshot_line_without_a_version_reads_back_as_the_same_record(loaded: Any) -> None:
    snapshot = _freeze("fixed", RECIPE[:3], seed=11)
    rows = [row for item in RECIPE[:3] for row in item_rows(item, 11)]
    assert list(snapshot_rows(snapshot)) == rows
    assert {r.schema_version for r in rows} == {UNMARKED_PROBLEM_VERSION}


def test_a_record_of_a_later_schema_version_carries_it_on_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from training_worker import contracts

    record = ProblemRecord(
        task_id="t/1", source="atom_base", lang="en", prompt="p", entry_point="f", solution="s"
    )
    assert "schema_version" not in record_json(record)
    monkeypatch.setattr(contracts, "SCHEMA_VERSION", 2)
    later = ProblemRecord.from_dict({**record.to_dict(), "schema_version": 2})
    line = record_json(later)
    assert line["schema_version"] == 2 and ProblemRecord.from_dict(line) == later


# --- invalid records are reported, never written -------------------------------------------


def test_a_benchmark_problem_that_makes_no_valid_record_stops_export_and_freeze(
    db: Any, humaneval_path: Path, tmp_path: Path, artifacts: Path
) -> None:
    benchmark_import(name="he", data=humaneval_path.read_bytes(), by=None)
    # As an import from before records were checked could have stored it.
    BenchmarkProblem.objects.filter(benchmark__name="he", position=3).update(prompt="   ")
    out = tmp_path / "he.jsonl"
    out.write_text("an earlier export\n")
    with pytest.raises(CommandError) as info:
        call_command("export_problems", "--source", "benchmark:he", "--out", str(out), stderr=StringIO())
    message = str(info.value)
    assert "source benchmark:he, task benchmark/he/HumanEval/3" in message
    assert "ProblemRecord.prompt: must not be empty" in message and "after 3 valid records" in message
    assert out.read_text() == "an earlier export\n" and list(tmp_path.iterdir()) == [out]

    mixture = mixture_create(name="he-eval", by=None, items=[Item(source="benchmark:he", ratio=Decimal(100))])
    with pytest.raises(RecipeError, match=r"source benchmark:he, task benchmark/he/HumanEval/3\).*prompt"):
        snapshot_freeze(version=mixture.latest, by=None)
    assert not Snapshot.objects.exists() and not (artifacts / "snapshots").exists()
    assert Mixture.objects.get(name="he-eval").latest.frozen_at is None


def test_an_atom_case_of_the_wrong_type_is_reported_with_source_and_task(loaded: Any, tmp_path: Path) -> None:
    Atom.objects.filter(slug="rotate_left").update(cases=[{"args": 5, "expected": 1}])
    with pytest.raises(CommandError, match=r"task atom_base/rotate_left/en\): ProblemRecord.cases\[0\].args"):
        call_command(
            "export_problems", "--source", "atom_base", "--out", str(tmp_path / "x"), stderr=StringIO()
        )
    assert not (tmp_path / "x").exists()
    with pytest.raises(InvalidRecord) as info:
        list(problem_records("atom_base"))
    assert (info.value.source, info.value.task_id) == ("atom_base", "atom_base/rotate_left/en")


def test_a_benchmark_line_that_makes_no_valid_record_is_refused_at_import(
    db: Any, humaneval_path: Path
) -> None:
    import gzip

    lines = gzip.decompress(humaneval_path.read_bytes()).decode().splitlines()
    second = {**json.loads(lines[1]), "prompt": ""}
    data = (lines[0] + "\n" + json.dumps(second) + "\n").encode()
    with pytest.raises(BenchmarkImportError, match=r"line 2: task 'HumanEval/1' .*ProblemRecord.prompt"):
        benchmark_import(name="he", data=data, by=None)
    assert not BenchmarkProblem.objects.exists()


def test_a_snapshot_line_with_a_wrongly_typed_field_is_reported_with_task_and_line(
    loaded: Any, tmp_path: Path, artifacts: Path
) -> None:
    good = _freeze("good", [Item(source="atom_base", ratio=Decimal(3))])
    lines = [_legacy_line(r) for r in snapshot_rows(good)]
    broken = json.loads(lines[1])
    broken["pool"] = 7
    lines[1] = (json.dumps(broken) + "\n").encode()
    sha, _, size = write_snapshot(lines)
    Snapshot.objects.create(
        sha256=sha,
        version=good.version,
        recipe=good.recipe,
        path=f"snapshots/{sha}.jsonl",
        size_bytes=size,
        rows=3,
    )
    with pytest.raises(CommandError) as info:
        call_command("export_problems", "--snapshot", sha, "--out", str(tmp_path / "x"), stderr=StringIO())
    assert f"source snapshot:{sha}, task {broken['task_id']} (line 2)" in str(info.value)
    assert "ProblemRecord.pool: expected string or null, got int" in str(info.value)
    assert not (tmp_path / "x").exists()
    (artifacts / good.path).unlink()
    with pytest.raises(CommandError, match=f"snapshot file .*{good.sha256}.jsonl is missing"):
        call_command(
            "export_problems", "--snapshot", good.sha256, "--out", str(tmp_path / "x"), stderr=StringIO()
        )


# --- the GPU worker reads what the web side writes -------------------------------------------


def test_the_training_workers_loader_reads_a_snapshot_frozen_here(loaded: Any, tmp_path: Path) -> None:
    items = [
        Item(source="atom_base", ratio=Decimal(10)),
        Item(source="prompt_translation:en2cn", ratio=Decimal(5), lang=ItemLang.ZH),
        Item(source="atom_modify", ratio=Decimal(5), lang=ItemLang.ZH, role="eval"),
    ]
    snapshot = _freeze("for-the-worker", items)
    uri = artifact_storage().uri(snapshot.path)
    read = list(worker_data.read_records(uri))
    assert read == [row for item in items for row in item_rows(item, 5)] == list(snapshot_rows(snapshot))
    train = worker_data.train_records([uri])
    assert len(train) == snapshot.counts["role"]["train"] == 15
    assert len(worker_data.sft_rows(train)) == 15
    assert len(worker_data.rl_rows(train)) == 10  # translations have nothing for the sandbox to judge
    # export_problems --snapshot gives the same records again.
    out = tmp_path / "export.jsonl"
    call_command("export_problems", "--snapshot", snapshot.short, "--out", str(out), stderr=StringIO())
    assert list(worker_data.read_records(str(out))) == read

"""The management command stores pools in PostgreSQL; export_problems writes their records;
pages list, filter and show them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from webapp.atoms.models import Atom, ValidationStatus
from webapp.core.models import JobStatus
from webapp.core.problems import problem_records, source_names
from webapp.synthesis.models import Composite, SynthesisRun
from webapp.synthesis.services import synthesis_atoms

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(loaded: Any) -> SynthesisRun:
    out = io.StringIO()
    call_command("synthesize", "--pools", "A=30,B=10,C=10", "--depth", "2-3", "--seed", "0", stdout=out)
    run = SynthesisRun.objects.get()
    run.command_output = out.getvalue()  # type: ignore[attr-defined]
    return run


def test_the_command_stores_disjoint_pools_with_their_run(stored: SynthesisRun) -> None:
    out = stored.command_output  # type: ignore[attr-defined]
    assert "50/50 valid" in out and "succeeded" in out
    assert stored.job is not None and stored.job.status == JobStatus.SUCCEEDED
    assert stored.job.counters["valid"] == 50 and stored.job.counters["generated"] >= 50
    assert stored.library_version and stored.atom_set == "all" and stored.atom_count == 100
    pools = {p: set(Composite.objects.filter(pool=p).values_list("chain_key", flat=True)) for p in "ABC"}
    assert [len(pools[p]) for p in "ABC"] == [30, 10, 10]
    assert not pools["A"] & pools["B"] and not pools["B"] & pools["C"] and not pools["A"] & pools["C"]
    first = Composite.objects.get(key="composite/A/000001")
    assert first.seed == 0 and first.library_version == stored.library_version and first.run == stored


def test_a_second_run_replaces_its_pools_and_avoids_the_chains_of_the_others(stored: SynthesisRun) -> None:
    kept = set(Composite.objects.filter(pool__in=["B", "C"]).values_list("chain_key", flat=True))
    call_command("synthesize", "--pools", "A=20", "--seed", "7", stdout=io.StringIO())
    assert Composite.objects.filter(pool="A").count() == 20
    assert Composite.objects.filter(pool__in=["B", "C"]).count() == 20
    assert not kept & set(Composite.objects.filter(pool="A").values_list("chain_key", flat=True))


def test_the_command_refuses_bad_pools(loaded: Any) -> None:
    with pytest.raises(CommandError, match="NAME=COUNT"):
        call_command("synthesize", "--pools", "A:10")


def test_only_validated_atoms_are_composed_once_some_are_valid(loaded: Any) -> None:
    Atom.objects.filter(topic="numbers").update(status=ValidationStatus.VALID)
    atoms, which = synthesis_atoms()
    assert which == "valid" and {a.topic for a in atoms} == {"numbers"}


def test_export_writes_problem_records_with_the_chain(stored: SynthesisRun, tmp_path: Path) -> None:
    assert {"composite:A", "composite:B", "composite:C"} <= set(source_names())
    out = tmp_path / "a.jsonl"
    call_command("export_problems", "--source", "composite:A", "--out", str(out))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 30
    first = records[0]
    row = Composite.objects.get(key=first["task_id"])
    assert (
        first["task_id"] == "composite/A/000001" and first["source"] == "composite" and first["pool"] == "A"
    )
    assert first["lang"] == "en" and first["prompt"] == row.prompt_en and first["test"] is None
    assert first["entry_point"] == row.entry_point and first["solution"] == row.solution
    assert first["cases"] == row.cases and len(first["cases"]) >= 6
    meta = first["meta"]
    assert meta["atoms"] == row.chain and len(meta["atoms"]) == meta["depth"] == row.depth
    assert meta["shape"] == row.shape and meta["topics"] == row.topics
    assert meta["seed"] == 0 and meta["library_version"] == stored.library_version
    zh = list(problem_records("composite:B", lang="zh"))
    assert len(zh) == 10 and all(r.lang == "zh" and r.pool == "B" for r in zh)


def test_export_of_an_unknown_pool_says_which_exist(stored: SynthesisRun, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="composite:A"):
        call_command("export_problems", "--source", "composite:Z", "--out", str(tmp_path / "z.jsonl"))


def test_the_list_filters_and_the_detail_shows_diagram_code_prompts_cases(
    stored: SynthesisRun, client: Any, viewer: Any
) -> None:
    client.force_login(viewer)
    page = client.get("/composites/")
    assert page.status_code == 200 and b"composite/A/000001" in page.content
    only_b = client.get("/composites/", {"pool": "B"}).content.decode()
    assert "composite/B/000001" in only_b and "composite/A/000001" not in only_b
    c = Composite.objects.filter(pool="A").order_by("index")[0]
    by_atom = client.get("/composites/", {"atom": c.chain[0], "depth": c.depth, "shape": c.shape}).content
    assert c.key.encode() in by_atom
    by_topic = client.get("/composites/", {"topic": c.topics[0]}).content
    assert c.key.encode() in by_topic
    detail = client.get(f"/composites/{c.pk}/").content.decode()
    assert 'aria-label="chain diagram"' in detail and f">{c.chain[-1]}" in detail
    assert 'class="highlight"' in detail and "中文" in detail
    assert detail.count("<tr>") >= len(c.cases)


def test_only_researchers_may_start_a_run(stored: SynthesisRun, client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    assert client.get("/composites/synthesize/").status_code == 403

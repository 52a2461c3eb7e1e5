"""Benchmark import: HumanEval becomes the eval source benchmark:NAME, all or nothing."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sandbox import JudgeRequest
from webapp.core.judging import sandbox_client
from webapp.core.problems import problem_records, source_names
from webapp.mixtures.models import Benchmark, BenchmarkProblem
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import (
    BenchmarkImportError,
    benchmark_import,
    mixture_create,
    mixture_preview,
    snapshot_freeze,
)


def test_humaneval_imports_164_problems_as_an_eval_source(
    db: Any, humaneval_path: Path, tmp_path: Path
) -> None:
    out = StringIO()
    call_command("import_benchmark", "humaneval", str(humaneval_path), stdout=out)
    assert "164 problems as benchmark:humaneval" in out.getvalue()
    assert "benchmark:humaneval" in source_names()
    records = list(problem_records("benchmark:humaneval"))
    assert len(records) == 164
    first = records[0]
    raw = json.loads(gzip.decompress(humaneval_path.read_bytes()).splitlines()[0])
    assert first.task_id == "benchmark/humaneval/HumanEval/0"
    assert first.prompt == raw["prompt"] and first.solution == raw["prompt"] + raw["canonical_solution"]
    assert (first.test, first.cases, first.entry_point) == (raw["test"], [], raw["entry_point"])
    assert first.meta["original_task_id"] == "HumanEval/0"

    exported = tmp_path / "he.jsonl"
    call_command(
        "export_problems", "--source", "benchmark:humaneval", "--out", str(exported), stderr=StringIO()
    )
    assert len(exported.read_text().splitlines()) == 164

    line = mixture_preview(items=[Item(source="benchmark:humaneval", ratio=Decimal(100), role="eval")])[0]
    assert (line.available, line.rows) == (164, 164)
    with pytest.raises(CommandError, match="already exists"):
        call_command("import_benchmark", "humaneval", str(humaneval_path), stdout=StringIO())


def test_imported_canonical_solutions_pass_their_tests_in_the_sandbox(db: Any, humaneval_path: Path) -> None:
    benchmark_import(name="he", data=humaneval_path.read_bytes(), by=None)
    records = list(problem_records("benchmark:he"))[:3]
    results = sandbox_client().judge_batch(
        [JudgeRequest(program=r.solution, entry_point=r.entry_point, test=r.test) for r in records]
    )
    assert [r.verdict for r in results] == ["passed"] * 3
    broken = sandbox_client().judge_batch(
        [
            JudgeRequest(
                program=records[0].prompt + "    return False\n",
                entry_point=records[0].entry_point,
                test=records[0].test,
            )
        ]
    )
    assert broken[0].verdict == "failed"


def test_a_broken_line_is_reported_with_its_number_and_nothing_is_imported(
    db: Any, humaneval_path: Path, tmp_path: Path
) -> None:
    lines = gzip.decompress(humaneval_path.read_bytes()).decode().splitlines()
    lines[41] = lines[41][:-10]  # line 42 cut short
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match=r"line 42: not valid JSON"):
        call_command("import_benchmark", "broken", str(bad), stdout=StringIO())
    assert not Benchmark.objects.exists() and not BenchmarkProblem.objects.exists()

    missing = json.loads(lines[0])
    del missing["test"]
    for data, message in [
        (b'{"task_id": "t"}\n', "line 1: missing field"),
        ((json.dumps(missing) + "\n").encode(), "line 1: missing field\\(s\\) test"),
        (b"\n\n[1, 2]\n", "line 3: expected a JSON object"),
        (b"", "holds no problems"),
        (b"\x1f\x8bnot gzip", "cannot be decompressed"),
        ((lines[0] + "\n" + lines[0] + "\n").encode(), "line 2: task_id 'HumanEval/0' repeats line 1"),
    ]:
        with pytest.raises(BenchmarkImportError, match=message):
            benchmark_import(name="broken", data=data, by=None)
    with pytest.raises(BenchmarkImportError, match="benchmark name"):
        benchmark_import(name="Bad Name", data=lines[0].encode(), by=None)
    assert not Benchmark.objects.exists()


def test_a_benchmark_can_be_frozen_into_an_eval_snapshot(db: Any, humaneval_path: Path) -> None:
    benchmark_import(name="he", data=gzip.decompress(humaneval_path.read_bytes()), by=None)
    mixture = mixture_create(
        name="he-eval", by=None, items=[Item(source="benchmark:he", ratio=Decimal(100), role="eval")]
    )
    snap = snapshot_freeze(version=mixture.latest, by=None)
    assert (snap.rows, snap.counts["role"], snap.counts["source"]) == (
        164,
        {"eval": 164},
        {"benchmark:he": 164},
    )

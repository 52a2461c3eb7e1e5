"""The tests a generation is judged against, and their version.

At first judging the tests are the ones frozen in the eval snapshot (what the model was
evaluated on). A re-score asks the problem's *current* source instead: the atom (its
cases, or its modified variant's), the composite, or the imported benchmark problem, so a
test fixed after the run counts without generating again. Each set of tests carries a
version that the tables show: ``atom sum_list v3#1a2b3c4d`` (where it came from, the
source's own version when it has one, and a digest of the cases and test themselves, so
two different test sets never share a version).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sandbox import JudgeRequest
from sandbox.data import is_code
from training_worker.contracts import ProblemRecord


@dataclass(frozen=True)
class ProblemTests:
    """What the sandbox checks a program of one problem with."""

    task_id: str
    entry_point: str
    prompt: str
    cases: list[dict[str, Any]]
    test: str | None
    version: str

    def request(self, program: str, *, timeout_s: float, id: str) -> JudgeRequest:
        """The judge request for ``program``. A HumanEval-style test gets the prompt as its
        trusted setup when the prompt is code (it defines helpers the test calls)."""
        return JudgeRequest(
            program=program,
            entry_point=self.entry_point,
            cases=self.cases or None,
            test=self.test,
            test_setup=self.prompt if self.test and is_code(self.prompt) else None,
            timeout_s=timeout_s,
            id=id,
        )


def tests_digest(cases: list[dict[str, Any]], test: str | None) -> str:
    """8 hex digits of the cases and the test (canonical JSON)."""
    text = json.dumps({"cases": cases, "test": test}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _atom_slug(record: ProblemRecord) -> str | None:
    atoms = record.meta.get("atoms") or []
    return str(atoms[0]) if record.source.startswith("atom_") and atoms else None


def problem_ref(record: ProblemRecord) -> str:
    """Where the problem's tests live, for re-scoring and the "wrong test" link:
    ``atom:<slug>``, ``composite:<key>``, ``benchmark:<name>/<task id>``, or ""."""
    slug = _atom_slug(record)
    if slug:
        return f"atom:{slug}"
    if record.source == "composite":
        return f"composite:{record.task_id}"
    if record.source == "benchmark" and record.meta.get("benchmark"):
        return f"benchmark:{record.meta['benchmark']}/{record.meta.get('original_task_id', '')}"
    return ""


def _label(record: ProblemRecord) -> str:
    slug = _atom_slug(record)
    if slug:
        version = record.meta.get("atom_version")
        return f"atom {slug}" + (f" v{version}" if version else "")
    if record.source == "composite":
        return "composite"
    if record.source == "benchmark":
        return f"benchmark {record.meta.get('benchmark', '')}".strip()
    return record.source


def snapshot_tests(record: ProblemRecord) -> ProblemTests:
    """The tests frozen in the snapshot's record."""
    cases = [dict(c) for c in record.cases]
    return ProblemTests(
        task_id=record.task_id,
        entry_point=record.entry_point,
        prompt=record.prompt,
        cases=cases,
        test=record.test,
        version=f"{_label(record)}#{tests_digest(cases, record.test)}",
    )


def current_tests(records: list[ProblemRecord]) -> dict[str, ProblemTests]:
    """The tests each problem's source holds now, by task id (three queries in all). A
    problem whose source is gone (a deleted atom) keeps its snapshot's tests."""
    from webapp.atoms.models import Atom, VariantKind
    from webapp.mixtures.models import BenchmarkProblem
    from webapp.synthesis.models import Composite

    slugs = {s for r in records if (s := _atom_slug(r))}
    atoms = {a.slug: a for a in Atom.objects.filter(slug__in=slugs).prefetch_related("variants")}
    keys = [r.task_id for r in records if r.source == "composite"]
    composites = dict(Composite.objects.filter(key__in=keys).values_list("key", "cases"))
    bench_ids = [str(r.meta.get("original_task_id")) for r in records if r.source == "benchmark"]
    bench = {
        (b, t): test
        for b, t, test in BenchmarkProblem.objects.filter(task_id__in=bench_ids).values_list(
            "benchmark__name", "task_id", "test"
        )
    }
    out: dict[str, ProblemTests] = {}
    for record in records:
        frozen = snapshot_tests(record)
        cases, test, label = frozen.cases, frozen.test, None
        slug = _atom_slug(record)
        if slug and slug in atoms:
            atom = atoms[slug]
            source_cases = atom.cases
            if record.source == "atom_modify":
                variant = next((v for v in atom.variants.all() if v.kind == VariantKind.MODIFY), None)
                source_cases = variant.cases if variant else source_cases
            cases = [{"args": c["args"], "expected": c["expected"]} for c in source_cases]
            label = f"atom {slug} v{atom.version}"
        elif record.source == "composite" and record.task_id in composites:
            cases = [{"args": c["args"], "expected": c["expected"]} for c in composites[record.task_id]]
            label = "composite"
        elif record.source == "benchmark":
            key = (str(record.meta.get("benchmark")), str(record.meta.get("original_task_id")))
            if key in bench:
                test, label = bench[key], f"benchmark {key[0]}"
        if label is None:
            out[record.task_id] = frozen
            continue
        out[record.task_id] = ProblemTests(
            task_id=record.task_id,
            entry_point=record.entry_point,
            prompt=record.prompt,
            cases=cases,
            test=test,
            version=f"{label}#{tests_digest(cases, test)}",
        )
    return out

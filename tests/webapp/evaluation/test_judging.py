"""Judging stored generations with real sandbox verdicts, hostile programs included, and the
scores computed from them against hand-computed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from training_worker.contracts import ProgressEvent
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.metrics import PassCounts, suite_pass_at_k
from webapp.evaluation.models import CaseOutcome, EvalRun, Generation, Phase, ProblemResult, SuiteScore
from webapp.evaluation.services import apply_eval_event, evalrun_create, evalrun_judge

from .conftest import KINDS, write_generations

pytestmark = pytest.mark.django_db


def generated_run(
    artifacts: Path, suite: Any, *, ks: tuple[int, ...] = (1, 2, 5), plan: Any = None
) -> EvalRun:
    """An evaluation whose worker 'finished': the generations file written, the events applied."""
    snapshot, records = suite
    run = evalrun_create(
        by=None, model="default", snapshots=[snapshot], protocol=Protocol(n=5, ks=ks), dispatch=False
    )
    uri = write_generations(artifacts, run.artifact_prefix, [suite], plan)
    total = len(records) * 5
    for seq, (kind, payload) in enumerate(
        [
            ("started", {"kind": "generate"}),
            ("generations", {"done": total, "total": total}),
            (
                "finished",
                {
                    "generations_uri": uri,
                    "count": total,
                    "backend": "test",
                    "seconds": 1.0,
                    "samples_per_second": float(total),
                },
            ),
        ],
        start=1,
    ):
        assert apply_eval_event(
            ProgressEvent(job_id=run.job_id, seq=seq, type=kind, payload=payload)
        ).startswith("applied")
    run.refresh_from_db()
    assert (run.status, run.phase, run.generations_uri) == (JobStatus.QUEUED, Phase.JUDGING, uri)
    return run


def test_every_generation_gets_a_real_verdict_and_hostile_ones_fail_as_tampering(
    artifacts: Path, atom_suite: Any
) -> None:
    run = generated_run(artifacts, atom_suite)
    result = evalrun_judge(run_pk=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.phase == Phase.DONE and result is not None
    _, records = atom_suite
    assert Generation.objects.filter(run=run).count() == len(records) * len(KINDS)
    by_kind: dict[str, set[tuple[str, str, str]]] = {}
    for g in Generation.objects.filter(run=run):
        by_kind.setdefault(KINDS[g.sample_index], set()).add((g.verdict, g.category, g.error_type))
        assert g.isolation and g.tests_version.startswith("atom ") and g.judged_at is not None
    assert by_kind["reference"] == {("passed", "passed", "")}
    assert by_kind["wrong"] == {("failed", "wrong_answer", "")}
    assert by_kind["raises"] == {("error", "runtime_error", "ZeroDivisionError")}
    assert {c for _, c, _ in by_kind["exit"]} == {"tampering"}
    assert {c for _, c, _ in by_kind["always_equal"]} == {"tampering"}
    # Every case has its outcome; the reference's match what the atom expects.
    ref = Generation.objects.get(run=run, task_id=records[0].task_id, sample_index=0)
    outcomes = list(ref.outcomes.order_by("index"))
    assert [o.input for o in outcomes] == [c["args"] for c in records[0].cases]
    assert all(o.passed and o.got == o.expected for o in outcomes)
    # Each case carries the wall time of its call in the sandbox.
    assert all(o.duration_ms is not None and 0 < o.duration_ms < 5000 for o in outcomes)
    wrong = Generation.objects.get(run=run, task_id=records[0].task_id, sample_index=1)
    assert all(not o.passed and o.got == "surely not this" for o in wrong.outcomes.all())
    assert CaseOutcome.objects.filter(generation__run=run).count() == len(KINDS) * sum(
        len(r.cases) for r in records
    )


def test_suite_scores_match_hand_computed_pass_at_k(artifacts: Path, atom_suite: Any) -> None:
    # Problem i gets i+1 passing samples out of 5 (capped at 5): c = 1, 2, 3, 4.
    snapshot, records = atom_suite
    index = {r.task_id: i for i, r in enumerate(records)}
    run = generated_run(
        artifacts, atom_suite, plan=lambda r, i: "reference" if i <= index[r.task_id] else "wrong"
    )
    evalrun_judge(run_pk=run.pk)
    tallies = {p.task_id: (p.n, p.c) for p in ProblemResult.objects.filter(run=run)}
    assert tallies == {r.task_id: (5, min(index[r.task_id] + 1, 5)) for r in records}
    scores = {s.k: s for s in SuiteScore.objects.filter(run=run, snapshot=snapshot)}
    assert sorted(scores) == [1, 2, 5]
    cs = [min(i + 1, 5) for i in range(len(records))]
    # pass@1 is c/n; pass@2 is 1 - C(5-c, 2)/C(5, 2) = 1 - (5-c)(4-c)/20, both averaged by hand.
    assert scores[1].estimate == pytest.approx(sum(c / 5 for c in cs) / len(cs))
    assert scores[2].estimate == pytest.approx(sum(1 - (5 - c) * (4 - c) / 20 for c in cs) / len(cs))
    assert scores[5].estimate == pytest.approx(1.0)
    expected = suite_pass_at_k([PassCounts(t, 5, min(i + 1, 5)) for t, i in index.items()], 1, seed=0)
    assert (scores[1].ci_low, scores[1].ci_high) == pytest.approx((expected.low, expected.high))
    assert scores[1].ci_low < scores[1].estimate < scores[1].ci_high
    assert all(s.n_problems == len(records) and s.tests_version == "snapshot" for s in scores.values())


def test_events_apply_once_and_in_order(artifacts: Path, atom_suite: Any) -> None:
    snapshot, _ = atom_suite
    run = evalrun_create(
        by=None, model="default", snapshots=[snapshot], protocol=Protocol(n=5), dispatch=False
    )
    progress = ProgressEvent(job_id=run.job_id, seq=2, type="generations", payload={"done": 3, "total": 20})
    assert apply_eval_event(progress) == "applied generations"
    assert apply_eval_event(progress).startswith("ignored")  # delivered twice
    late = ProgressEvent(job_id=run.job_id, seq=1, type="started", payload={})
    assert apply_eval_event(late).startswith("ignored")  # older than what was applied
    run.refresh_from_db()
    assert (run.done, run.total, run.status) == (3, 20, JobStatus.RUNNING)
    failed = ProgressEvent(job_id=run.job_id, seq=3, type="failed", payload={"error": "CUDA out of memory"})
    apply_eval_event(failed)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and run.error == "CUDA out of memory"


def test_nul_bytes_in_a_generation_and_in_what_it_returns_are_stored_visibly(
    artifacts: Path, atom_suite: Any
) -> None:
    # PostgreSQL refuses NUL in text and jsonb: one such sample used to fail the whole batch.
    run = generated_run(
        artifacts, atom_suite, ks=(1,), plan=lambda record, i: "nul" if i == 0 else "reference"
    )
    evalrun_judge(run_pk=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    nul = Generation.objects.filter(run=run, sample_index=0).first()
    assert nul is not None and "\x00" not in nul.completion and "Here\ufffd it is." in nul.completion
    assert nul.verdict == "failed" and not nul.passed
    got = CaseOutcome.objects.filter(generation=nul).values_list("got", flat=True).first()
    assert got == "\ufffd"
    assert Generation.objects.filter(run=run, passed=True).count() == Generation.objects.filter(
        run=run
    ).count() - len(atom_suite[1])

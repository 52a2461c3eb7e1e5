"""In the browser: the new-study page's plan follows the chosen scale, and a finished study
and the comparison page show verdict categories with paired intervals. Screenshots go to
``SHOTS`` (``/work/shots/resolution`` where it exists, else ``var/``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from webapp.core.models import JobStatus
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.studies.design import arm_protocol, design_parse
from webapp.studies.models import Study, StudySnapshot, StudyStatus, StudyUnit
from webapp.studies.results import study_results

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "var"))

TEMPLATE = """
name: plan_demo
factors: [method, init]
reference: sft
scales:
  tiny: {n: 4}
shared: {model: default, train: data, protocol: {n: $n, k: [1], temperature: 0.8, max_new_tokens: 64}}
mixtures:
  data: {seed: 0, tokenizer: whitespace, sources: [{source: atom_modify, ratio: 10, role: train}]}
evals:
  atoms: {seed: 0, tokenizer: whitespace, sources: [{source: atom_base, ratio: 20, role: eval}]}
arms:
  sft: {method: sft, init: base}
  rl: {method: grpo, init: "arm:sft"}
"""


def _finished_study(user: Any) -> tuple[Study, list[EvalRun], Any]:
    """A study whose evaluations are hand-made: 20 problems, n = 4. The base model mostly
    writes code that does not parse; sft passes half; rl passes three quarters."""
    design = design_parse(TEMPLATE, scale="tiny")
    suite = design.evals["atoms"]
    mixture = mixture_create(name="plan atoms", by=user, seed=0, tokenizer="whitespace", items=suite.items)
    snapshot = snapshot_freeze(version=mixture.latest, by=user)
    study = Study.objects.create(
        name="Plan demo",
        template="plan_demo",
        template_text=TEMPLATE,
        scale="tiny",
        created_by=user,
        status=StudyStatus.SUCCEEDED,
        message="done",
    )
    StudySnapshot.objects.create(study=study, kind="eval", key="atoms", snapshot=snapshot)
    protocol = arm_protocol(design.arms[0])

    def tally(arm: str, i: int) -> tuple[int, dict[str, int]]:
        if arm == "base model":
            return 0, {"syntax_error": 3, "wrong_answer": 1}
        if arm == "sft":  # one problem in five passes a third sample: some spread over problems
            extra = 1 if i % 5 == 0 else 0
            return 2 + extra, {"wrong_answer": 2 - extra}
        return 3, {"runtime_error": 1}

    runs = []
    for order, arm in enumerate(("base model", "sft", "rl")):
        run = EvalRun.objects.create(
            model="default",
            protocol=protocol.to_dict(),
            protocol_hash=protocol.comparable_hash,
            status=JobStatus.SUCCEEDED,
        )
        run.snapshots.add(snapshot)
        for i in range(20):
            c, failures = tally(arm, i)
            ProblemResult.objects.create(
                run=run, snapshot=snapshot, task_id=f"t{i:02d}", n=4, c=c, categories=failures
            )
        if arm == "base model":
            study.base_eval = run
        else:
            StudyUnit.objects.create(study=study, arm=arm, seed=0, order=order, eval_run=run)
        runs.append(run)
    study.save()
    study.results = study_results(study)
    study.save(update_fields=["results"])
    return study, runs, snapshot


def test_the_plan_follows_the_scale_and_results_show_categories_with_intervals(
    page: Any, live_server: Any
) -> None:
    from webapp.atoms.services import library_load

    library_load()
    user = UserFactory(username="paula", role="researcher")
    SHOTS.mkdir(parents=True, exist_ok=True)
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, live_server, "paula")

    page.goto(f"{live_server.url}/studies/new/")
    assert "sft_vs_rl at scale tiny" in page.inner_text("#study-plan")
    page.select_option("#id_scale", "demo")
    wait_until(page, "document.querySelector('#study-plan').innerText.includes('scale demo')")
    text = page.inner_text("#study-plan")
    assert "cannot resolve 10 points in any of its 9 comparisons" in text and "30.4 points" in text
    page.locator("#study-plan").screenshot(path=str(SHOTS / "new-study-plan-demo.png"))

    study, (_base, sft, rl), snapshot = _finished_study(user)
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    table = page.inner_text("#study-categories")
    assert "syntax error" in table.lower() and "75.0%" in table  # the base model: 3 of 4 do not parse
    assert "detectable (80% power)" in page.inner_text("#study-differences").lower()
    assert "Verdict categories:" in page.inner_text("#study-summary")
    page.screenshot(path=str(SHOTS / "study-results-categories.png"), full_page=True)

    page.goto(f"{live_server.url}/evaluations/compare/?a={sft.pk}&b={rl.pk}&snapshot={snapshot.pk}&k=1")
    rows = page.inner_text("#categories")
    assert "runtime error" in rows.lower() and "excludes 0" in rows
    page.locator("#categories").screenshot(path=str(SHOTS / "compare-categories.png"))
    assert violations(page, console) == []

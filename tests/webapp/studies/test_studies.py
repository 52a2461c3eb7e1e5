"""Studies in the database: a study with an undeclared difference is refused; dependent arms
launch in order and only once their inputs exist; a failed arm is resumed alone; results pool
seeds and pair each arm with the reference over shared problems."""

from __future__ import annotations

import math
from typing import Any

import pytest

from training_worker.contracts import ProgressEvent
from webapp.core.models import JobStatus
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.studies.models import Study, StudyStatus, StudyUnit
from webapp.studies.results import study_results
from webapp.studies.services import (
    StudyRefused,
    study_advance,
    study_create,
    unit_resume,
)
from webapp.studies.states import unit_state
from webapp.training.models import TrainingRun
from webapp.training.progress import event_apply


@pytest.fixture
def library(db: Any) -> Any:
    from webapp.atoms.services import library_load

    return library_load()


def _units(study: Study) -> dict[str, StudyUnit]:
    return {u.arm: u for u in study.units.select_related("training_run", "eval_run")}


def _finish(run: TrainingRun, *, end: str = "finished", checkpoint: bool = True) -> None:
    """What a worker sends for a 2-step run that ends ``end`` (with a checkpoint at step 2)."""
    job = run.job_id
    events = [ProgressEvent(job, 1, "started", 0, {"kind": run.method})]
    if checkpoint:
        events.append(ProgressEvent(job, 2, "checkpoint", 2, {"uri": f"/ckpt/{job}/checkpoint-2", "step": 2}))
    payload = {"error": "CUDA out of memory"} if end == "failed" else {}
    events.append(ProgressEvent(job, 3, end, 2, payload))
    for event in events:
        event_apply(event)


def test_a_study_whose_arms_differ_in_an_undeclared_setting_is_refused(
    researcher: Any, template: str
) -> None:
    text = template.replace("factors: [method, init, hyper]", "factors: [method, init]")
    with pytest.raises(StudyRefused) as refused:
        study_create(by=researcher, template="t", text=text, scale="tiny", advance=False)
    keys = {d.key for d in refused.value.differences}
    assert "hyper.num_generations" in keys and "hyper.learning_rate" in keys
    assert all(not d.declared for d in refused.value.differences)
    assert refused.value.differences[0].values.keys() == {"sft", "rl"}
    assert not Study.objects.exists()


def test_dependent_arms_launch_in_order_and_a_failed_arm_resumes_alone(
    library: Any, researcher: Any, template: str
) -> None:
    study = study_create(by=researcher, template="t", text=template, scale="tiny", advance=False)
    assert study_advance(study.pk) == StudyStatus.RUNNING
    study.refresh_from_db()
    units = _units(study)
    # The SFT arm and the base model's evaluation start; the RL arm waits for its input.
    assert units["sft"].training_run is not None and units["rl"].training_run is None
    assert study.base_eval is not None and study.snapshots.count() == 2
    sft = units["sft"].training_run
    assert (sft.method, sft.train_snapshot_id) == ("sft", study.snapshots.get(kind="train").snapshot_id)
    assert study_advance(study.pk) == StudyStatus.RUNNING  # nothing new while SFT runs
    assert _units(study)["rl"].training_run is None
    # Until a GPU worker takes it, the SFT arm says it is queued, and so does the study.
    assert {arm: unit_state(u) for arm, u in _units(study).items()} == {"sft": "queued", "rl": "waiting"}
    study.refresh_from_db()
    assert study.message == "0 of 2 arm runs done; 1 job(s) queued for a free GPU worker"
    TrainingRun.objects.filter(pk=sft.pk).update(status=JobStatus.RUNNING)
    assert unit_state(_units(study)["sft"]) == "training"

    _finish(sft)
    study_advance(study.pk)
    units = _units(study)
    rl = units["rl"].training_run
    assert rl is not None and rl.model == f"run:{sft.pk}" and rl.init_checkpoint.run_id == sft.pk
    assert units["sft"].eval_run is not None and units["sft"].eval_run.model == f"run:{sft.pk}"

    # The RL arm fails: the study stalls, with the arm named; the SFT arm is untouched.
    _finish(rl, end="failed", checkpoint=False)
    for ev in EvalRun.objects.all():
        EvalRun.objects.filter(pk=ev.pk).update(status=JobStatus.SUCCEEDED)
    assert study_advance(study.pk) == StudyStatus.STALLED
    study.refresh_from_db()
    assert "rl seed 0" in study.message
    sft_eval = _units(study)["sft"].eval_run_id
    unit_resume(unit=_units(study)["rl"], by=researcher)  # no checkpoint: launched again
    study_advance(study.pk)
    units = _units(study)
    assert units["rl"].training_run_id not in (None, rl.pk)
    assert units["rl"].training_run.status == JobStatus.QUEUED
    assert (units["sft"].training_run_id, units["sft"].eval_run_id) == (sft.pk, sft_eval)
    assert TrainingRun.objects.filter(method="sft").count() == 1


def test_results_pool_seeds_and_pair_arms_with_the_reference(
    library: Any, researcher: Any, template: str
) -> None:
    text = template.replace("  seeds: 1", "  seeds: 2")
    study = study_create(by=researcher, template="t", text=text, scale="tiny", advance=False)
    study_advance(study.pk)
    suite = study.snapshots.get(kind="eval").snapshot
    study.refresh_from_db()
    # Hand-made tallies: 4 problems; sft passes 1 of 2 samples on p0, p1 in seed 0 and on p0
    # in seed 1, and its other samples do not parse; rl passes everything in both seeds; the
    # base model gives a wrong answer on every sample.
    sft_runs, rl_runs = [], []
    for unit in study.units.all():
        run = EvalRun.objects.create(model="x", protocol={}, protocol_hash="h", status=JobStatus.SUCCEEDED)
        StudyUnit.objects.filter(pk=unit.pk).update(eval_run=run)
        (sft_runs if unit.arm == "sft" else rl_runs).append((unit.seed, run))
    passing = {("sft", 0): {"p0": 1, "p1": 1}, ("sft", 1): {"p0": 1}}
    for arm, runs in (("sft", sft_runs), ("rl", rl_runs)):
        for seed, run in runs:
            for t in ("p0", "p1", "p2", "p3"):
                c = 2 if arm == "rl" else passing[(arm, seed)].get(t, 0)
                failures = {"syntax_error": 2 - c} if c < 2 else {}
                ProblemResult.objects.create(
                    run=run, snapshot=suite, task_id=t, n=2, c=c, categories=failures
                )
    for t in ("p0", "p1", "p2", "p3"):
        ProblemResult.objects.create(
            run=study.base_eval, snapshot=suite, task_id=t, n=2, c=0, categories={"wrong_answer": 2}
        )
    results = study_results(study)
    cell = {(r["arm"], r["k"]): r for r in results["table"]}
    # pass@1 per problem: sft seed 0 = [.5, .5, 0, 0], seed 1 = [.5, 0, 0, 0]; pooled mean 0.1875.
    assert cell[("sft", 1)]["value"] == pytest.approx(0.1875) and cell[("sft", 1)]["seeds"] == 2
    assert (cell[("sft", 1)]["seed_min"], cell[("sft", 1)]["seed_max"]) == (0.125, 0.25)
    assert cell[("rl", 1)]["value"] == 1.0 and cell[("base model", 1)]["value"] == 0.0
    (diff,) = [d for d in results["differences"] if d["k"] == 1 and d["arm"] == "rl"]
    assert (diff["arm"], diff["reference"], diff["problems"]) == ("rl", "sft", 4)
    assert diff["value"] == pytest.approx(1 - 0.1875) and diff["low"] > 0
    # What the design detects at the two sides' measured rates, (c + 0.5) / (n + 1): sft
    # passed 3 of 16 samples, rl 16 of 16; two seeds a side of n = 2 on 4 problems.
    ref, arm = 3.5 / 17, 16.5 / 17
    var_d = ref * (1 - ref) / 2 / 2 + arm * (1 - arm) / 2 / 2
    # The alternative moves the arm's rate down by the MDE (up would leave [0, 1]).
    alt = arm - diff["detectable"]
    var_alt = ref * (1 - ref) / 2 / 2 + alt * (1 - alt) / 2 / 2
    assert diff["detectable"] == pytest.approx(
        1.959964 * math.sqrt(var_d / 4) + 0.841621 * math.sqrt(var_alt / 4), rel=1e-6
    )
    base = next(d for d in results["differences"] if d["k"] == 1 and d["arm"] == "base model")
    assert base["value"] == pytest.approx(-0.1875)
    assert results["summary"].startswith("On atoms, pass@1 of rl vs sft: higher by 81.2 points")
    assert "The design detects 34.8 points or more with 80% power, so it could reliably" in results["summary"]
    # Verdict categories: shares per arm (seeds pooled per problem), paired to sft.
    rows = {r["arm"]: r for r in results["categories"]}
    assert rows["sft"]["shares"]["syntax_error"] == pytest.approx(0.8125)
    assert rows["rl"]["shares"]["passed"] == 1.0 and rows["sft"]["differences"] == {}
    assert rows["rl"]["differences"]["syntax_error"]["value"] == pytest.approx(-0.8125)
    wrong = rows["base model"]["differences"]["wrong_answer"]
    assert (wrong["value"], wrong["low"], wrong["high"]) == (1.0, 1.0, 1.0)
    assert [n for n, _ in results["category_names"]] == ["passed", "wrong_answer", "syntax_error"]
    assert (
        "On atoms, the share of wrong answer samples of base model vs sft (100.0% vs 0.0%): higher by "
        "100.0 points" in results["summary"]
    )
    from webapp.core.artifacts import artifact_root

    files = {k: artifact_root() / v for k, v in results["files"].items()}
    assert {"svg", "png", "csv", "table_csv"} <= files.keys() and all(
        p.stat().st_size for p in files.values()
    )
    assert files["table_csv"].read_text().splitlines()[0].startswith("arm,suite,k,pass_at_k,ci_low,ci_high")


def _page(user: Any, study: Study) -> str:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    return client.get(reverse("study", args=[study.pk])).content.decode()


def _evaluated(run: EvalRun, suite: Any, passes: int, generation_s: float) -> None:
    """A succeeded evaluation: 4 problems, n = 2, ``passes`` samples passed on p0."""
    EvalRun.objects.filter(pk=run.pk).update(status=JobStatus.SUCCEEDED, earlier_seconds=generation_s)
    for t in ("p0", "p1", "p2", "p3"):
        c = passes if t == "p0" else 0
        ProblemResult.objects.create(run=run, snapshot=suite, task_id=t, n=2, c=c, categories={})


def test_a_running_study_shows_interim_results_and_an_eta_then_its_duration(
    library: Any, researcher: Any, template: str
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    study = study_create(by=researcher, template="t", text=template, scale="tiny", advance=False)
    study_advance(study.pk)
    study.refresh_from_db()
    suite = study.snapshots.get(kind="eval").snapshot
    sft = _units(study)["sft"]
    _finish(sft.training_run)
    sft_eval = EvalRun.objects.create(model="x", protocol={}, protocol_hash="h")
    StudyUnit.objects.filter(pk=sft.pk).update(eval_run=sft_eval)
    _evaluated(sft_eval, suite, passes=2, generation_s=40)
    _evaluated(study.base_eval, suite, passes=0, generation_s=50)
    # A GRPO run of another study times the rl arm's training (none of this study's yet).
    end = timezone.now()
    TrainingRun.objects.create(
        method="grpo", model="m", train_snapshot=sft.training_run.train_snapshot, status=JobStatus.SUCCEEDED,
        started_at=end - timedelta(seconds=200), finished_at=end, attempt=1,
    )  # fmt: skip

    html = _page(researcher, study)
    assert "1 of 2 arms done — interim" in html and 'id="study-interim"' in html
    interim = html.split('id="study-interim"', 1)[1].split("</table>", 1)[0]
    assert (
        'data-arm="sft"' in interim and 'data-arm="base model"' in interim and 'data-arm="rl"' not in interim
    )
    assert "0.250" in interim  # sft: p0 passed twice of 2, the other 3 problems never
    assert 'id="study-differences"' not in html and "<h2>Results</h2>" not in html
    # rl's training (200 s, from the other study's run) and its evaluation (45 s: the median
    # of this study's two generations, 40 s and 50 s), one after the other.
    assert (
        "About 4 min 5 s to go (an estimate: 2 GPU jobs one after another, each kind at the median time of "
        "2 finished jobs of this study and 1 recent similar job elsewhere; cpu work not counted)."
    ) in html

    rl = _units(study)["rl"]
    rl_eval = EvalRun.objects.create(model="x", protocol={}, protocol_hash="h")
    StudyUnit.objects.filter(pk=rl.pk).update(eval_run=rl_eval)
    _evaluated(rl_eval, suite, passes=1, generation_s=45)
    Study.objects.filter(pk=study.pk).update(
        status=StudyStatus.SUCCEEDED,
        finished_at=study.created_at + timedelta(minutes=12, seconds=5),
        results=study_results(Study.objects.get(pk=study.pk)),
    )
    html = _page(researcher, study)
    assert "Took 12 min 5 s wall clock (created to end); its 4 GPU jobs worked" in html
    assert "<h2>Results</h2>" in html
    assert "interim" not in html.split('id="study-status"', 1)[1]

"""The dashboard's "Running now" lists every kind of job (training runs and evaluations beside
the CPU jobs), and once every stage is ready it suggests what to do next."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.webapp.training.conftest import make_snapshot
from webapp.atoms.models import Atom, ValidationStatus
from webapp.atoms.services import library_load
from webapp.core.dashboard import dashboard
from webapp.core.models import BackgroundJob, JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, SuiteScore
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute
from webapp.training.models import Checkpoint, TrainingRun


def _running_now(user: Any) -> str:
    client = Client()
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    return html.split('id="jobs"', 1)[1].split("</section>", 1)[0]


def _run(user: Any, status: str, snapshot: Any, **fields: Any) -> TrainingRun:
    return TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=snapshot, status=status,
        created_by=user, **fields,
    )  # fmt: skip


def _evaluation(user: Any, status: str, **fields: Any) -> EvalRun:
    protocol = Protocol(n=1)
    return EvalRun.objects.create(
        model="default", protocol=protocol.to_dict(), protocol_hash=protocol.comparable_hash, status=status,
        created_by=user, **fields,
    )  # fmt: skip


@pytest.mark.django_db
def test_running_now_lists_training_runs_and_evaluations_beside_cpu_jobs(researcher: Any) -> None:
    snapshot = make_snapshot("train")
    first = _run(researcher, JobStatus.RUNNING, snapshot, name="warm-up", step=7, max_steps=40)
    second = _run(researcher, JobStatus.QUEUED, snapshot)
    done = _run(researcher, JobStatus.SUCCEEDED, snapshot)
    evaluation = _evaluation(researcher, JobStatus.RUNNING)
    job = BackgroundJob.objects.create(kind="atoms.validate", status=JobStatus.RUNNING, total=100, done=3)
    shown = _running_now(researcher)
    assert "No job is queued or running." not in shown
    assert f'<a href="/runs/{first.pk}/">run {first.pk} (SFT, warm-up)</a> · running · step 7/40' in shown
    assert f'<a href="/runs/{second.pk}/">run {second.pk} (SFT)</a> · queued' in shown
    assert f'href="/evaluations/{evaluation.pk}/">evaluation {evaluation.pk} (' in shown
    assert f'<a href="/jobs/{job.pk}/">atoms.validate #{job.pk}</a> · running · 3/100' in shown
    assert f"/runs/{done.pk}/" not in shown


@pytest.mark.django_db
def test_nothing_running_says_so(researcher: Any) -> None:
    _run(researcher, JobStatus.SUCCEEDED, make_snapshot("train"))
    assert "No job is queued or running." in _running_now(researcher)


@pytest.mark.django_db(transaction=True)
def test_when_every_stage_is_ready_the_dashboard_suggests_what_next(
    researcher: Any, viewer: Any, settings: Any, tmp_path: Path
) -> None:
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    library_load()
    Atom.objects.update(status=ValidationStatus.VALID)
    run_execute(run=run_create(by=researcher, config=SynthesisConfig(pools={"A": 6}, seed=0), enqueue=False))
    mixture = mixture_create(
        name="first", by=researcher, items=[Item(source="composite:A", ratio=Decimal(100))]
    )
    snapshot = snapshot_freeze(version=mixture.latest, by=researcher)
    sft = _run(researcher, JobStatus.SUCCEEDED, snapshot)
    Checkpoint.objects.create(run=sft, step=5, uri="/x/checkpoint-5")
    scored = _evaluation(researcher, JobStatus.SUCCEEDED)
    SuiteScore.objects.create(
        run=scored, snapshot=snapshot, k=1, estimate=0.5, ci_low=0.2, ci_high=0.8, n_problems=6
    )

    board = dashboard(researcher)
    assert board.next_card is None
    labels = [link.label for link in board.suggestions]
    assert labels[:2] == [f"Evaluate run {sft.pk}", f"RL from run {sft.pk}"], labels
    assert labels[-1] == "New study"
    client = Client()
    client.force_login(researcher)
    step = (
        client.get(reverse("dashboard"))
        .content.decode()
        .split('id="next-step"', 1)[1]
        .split("</section>", 1)[0]
    )
    assert "Every stage is ready: what next?" in step
    assert f'href="{reverse("eval-launch")}?model=run:{sft.pk}"' in step
    assert f"preset=grpo-cpu&amp;model=run:{sft.pk}" in step

    # Once that run is evaluated, the evaluations stage suggests comparing instead.
    _evaluation(researcher, JobStatus.SUCCEEDED, init_checkpoint=sft.checkpoints.get())
    assert dashboard(researcher).suggestions[0].label == "Compare two evaluations"
    # A viewer is offered only what a viewer may follow.
    assert [link.label for link in dashboard(viewer).suggestions] == [
        link.label for link in dashboard(viewer).suggestions if link.action is None
    ]
    assert "Compare two evaluations" in [link.label for link in dashboard(viewer).suggestions]
    assert "New study" not in [link.label for link in dashboard(viewer).suggestions]

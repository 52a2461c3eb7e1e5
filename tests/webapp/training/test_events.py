"""ProgressEvents applied to a run: once each, in any order, never moving a run backwards."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.webapp.training.conftest import make_snapshot
from training_worker.contracts import ProgressEvent
from webapp.core.models import JobStatus
from webapp.training.models import Checkpoint, MetricPoint, RunEvent, TrainingRun
from webapp.training.progress import event_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(researcher: Any) -> TrainingRun:
    return TrainingRun.objects.create(
        method="sft",
        model="default",
        base_model="default",
        train_snapshot=make_snapshot(),
        config={"learning_rate": 1e-5, "max_steps": 3},
        max_steps=3,
        total=3,
        attempt=1,
        created_by=researcher,
    )


def stream(run: TrainingRun, *, end: str = "finished") -> list[ProgressEvent]:
    """What a worker sends for a 3-step run: started, per step metrics (and a checkpoint at
    step 2 and 3), a heartbeat, then the end."""
    job = run.job_id
    events = [ProgressEvent(job, 1, "started", 0, {"kind": "sft", "versions": {"trl": "x"}, "seed": 0})]
    seq = 1
    for step in (1, 2, 3):
        seq += 1
        events.append(ProgressEvent(job, seq, "metrics", step, {"loss": 3.0 - step, "learning_rate": 1e-5}))
        if step >= 2:
            seq += 1
            events.append(
                ProgressEvent(job, seq, "checkpoint", step, {"uri": f"/a/checkpoint-{step}", "step": step})
            )
    seq += 1
    events.append(ProgressEvent(job, seq, "heartbeat", 3, {"host": "h", "pid": 1}))
    seq += 1
    events.append(
        ProgressEvent(job, seq, end, 3, {"checkpoint": "/a/checkpoint-3", "metrics": {"loss": 0.0}})
    )
    return events


def state(run: TrainingRun) -> dict[str, Any]:
    run.refresh_from_db()
    return {
        "status": run.status,
        "step": run.step,
        "last_metrics": run.last_metrics,
        "points": sorted(MetricPoint.objects.filter(run=run).values_list("name", "step", "value")),
        "checkpoints": sorted(Checkpoint.objects.filter(run=run).values_list("step", "uri")),
        "events": RunEvent.objects.filter(run=run).count(),
        "repro": run.reproducibility.get("versions"),
    }


def test_a_run_follows_its_events_to_the_end(run: TrainingRun) -> None:
    for event in stream(run):
        assert event_apply(event) is True
    s = state(run)
    assert s["status"] == JobStatus.SUCCEEDED and s["step"] == 3
    assert s["last_metrics"] == {"loss": 0.0, "learning_rate": 1e-5}
    assert ("loss", 1, 2.0) in s["points"] and len(s["points"]) == 6
    assert s["checkpoints"] == [(2, "/a/checkpoint-2"), (3, "/a/checkpoint-3")]
    assert s["repro"] == {"trl": "x"}


def test_duplicate_events_change_nothing(run: TrainingRun) -> None:
    events = stream(run)
    for event in events:
        event_apply(event)
    before = state(run)
    assert [event_apply(e) for e in events] == [False] * len(events)
    assert state(run) == before


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_out_of_order_events_end_in_the_same_state(run: TrainingRun, seed: int, researcher: Any) -> None:
    in_order = TrainingRun.objects.get(pk=run.pk)
    twin = TrainingRun.objects.create(
        method="sft",
        model="default",
        train_snapshot=run.train_snapshot,
        attempt=1,
        total=3,
        created_by=researcher,
    )
    for event in stream(twin):
        event_apply(event)
    shuffled = stream(in_order)
    random.Random(seed).shuffle(shuffled)
    for event in shuffled:
        event_apply(event)
    a, b = state(in_order), state(twin)
    assert a == b


def test_a_late_started_or_metrics_event_does_not_reopen_a_finished_run(run: TrainingRun) -> None:
    events = stream(run)
    started, first_metrics = events[0], events[1]
    for event in events[2:]:
        event_apply(event)
    assert state(run)["status"] == JobStatus.SUCCEEDED
    event_apply(first_metrics)
    event_apply(started)
    s = state(run)
    assert s["status"] == JobStatus.SUCCEEDED and s["step"] == 3
    assert s["last_metrics"] == {"loss": 0.0, "learning_rate": 1e-5}  # step 3's, not step 1's


def test_events_of_an_attempt_before_a_resume_are_kept_but_move_nothing(run: TrainingRun) -> None:
    for event in stream(run)[:4]:
        event_apply(event)
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.QUEUED, attempt=2, seq_floor=10)
    late_failure = ProgressEvent(run.job_id, 9, "failed", 2, {"error": "old attempt"})
    assert event_apply(late_failure) is True
    assert state(run)["status"] == JobStatus.QUEUED
    assert event_apply(ProgressEvent(run.job_id, 11, "started", 2, {"kind": "sft"})) is True
    assert state(run)["status"] == JobStatus.RUNNING


def test_rollout_categories_become_shares(run: TrainingRun) -> None:
    event_apply(
        ProgressEvent(
            run.job_id, 1, "generations", 1, {"uri": "/x/step-000001.jsonl", "rows": 4,
                                              "categories": {"passed": 1, "wrong_answer": 3}},
        )
    )  # fmt: skip
    points = dict(MetricPoint.objects.filter(run=run).values_list("name", "value"))
    assert points == {"rollouts/passed": 0.25, "rollouts/wrong_answer": 0.75}


def test_an_event_for_an_unknown_job_is_dropped(db: Any) -> None:
    assert event_apply(ProgressEvent("run-999999", 1, "started")) is False
    assert event_apply(ProgressEvent("eval-3", 1, "started")) is False


def test_a_runs_curve_in_one_line_is_first_and_last_loss_or_mean_reward(run: TrainingRun) -> None:
    from webapp.training.selectors import training_summaries

    rl = TrainingRun.objects.create(
        method="grpo", model="default", base_model="default", train_snapshot=run.train_snapshot,
        config={}, max_steps=3, total=3, attempt=1, created_by=run.created_by,
    )  # fmt: skip
    quiet = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=run.train_snapshot,
        config={}, max_steps=3, total=3, attempt=1, created_by=run.created_by,
    )  # fmt: skip
    for step, loss in [(3, 0.4), (1, 0.9), (2, 0.6)]:  # stored out of order
        MetricPoint.objects.create(run=run, name="loss", step=step, value=loss)
    MetricPoint.objects.create(run=run, name="learning_rate", step=1, value=1e-5)
    for step, reward in [(1, 0.0), (2, 0.25), (3, 0.5), (4, None)]:
        MetricPoint.objects.create(run=rl, name="reward", step=step, value=reward)
        MetricPoint.objects.create(run=rl, name="loss", step=step, value=0.01)
    curves = training_summaries([run.pk, rl.pk, quiet.pk])
    assert set(curves) == {run.pk, rl.pk}  # a run with no points has no line
    assert (curves[run.pk].loss_first, curves[run.pk].loss_last, curves[run.pk].steps) == (0.9, 0.4, 3)
    assert curves[run.pk].text() == "loss 0.90 → 0.40 (3 steps)"
    assert curves[rl.pk].reward_mean == pytest.approx(0.25)
    assert curves[rl.pk].text() == "reward 0.250 (mean of 3 steps)"  # the step without a value is left out

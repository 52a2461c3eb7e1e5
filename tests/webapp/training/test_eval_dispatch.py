"""Evaluations go through the training app's dispatch module (one place sends JobSpecs), a
run's cadence schedules one evaluation per due checkpoint, and the launch form and command
expose the cadence. Real PostgreSQL and Redis; no worker consumes the private queue here, so
what a launch or a checkpoint sends is read off the queue itself."""

from __future__ import annotations

import base64
import json
import socket
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.webapp.training.conftest import make_snapshot, queued_messages
from tests.webapp.training.test_launch import errors_of, form
from training_worker.contracts import JobSpec, ProgressEvent
from training_worker.control import job_key
from webapp.core.jobs import jobs_reap
from webapp.core.models import REAP_AFTER_SECONDS, JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Phase
from webapp.evaluation.services import apply_eval_event, evalrun_cancel, evalrun_create
from webapp.training.models import TrainingRun
from webapp.training.progress import event_apply
from webapp.training.services import LaunchRequest, run_launch

pytestmark = pytest.mark.django_db

OVERRIDE = "the tiny problems on both sides, on purpose"


def sent_specs(client: Any, queue: str) -> list[JobSpec]:
    """The JobSpecs waiting on ``queue``, oldest first (Celery's JSON body, base64)."""
    specs = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "atomlab.gpu.run_job"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        specs.append(JobSpec.from_json(args[0]))
    return specs


def checkpoint_event(run: TrainingRun, seq: int, step: int) -> ProgressEvent:
    uri = f"/artifacts/runs/{run.job_id}/checkpoints/checkpoint-{step}"
    return ProgressEvent(run.job_id, seq, "checkpoint", step=step, payload={"uri": uri, "step": step})


def test_an_evaluation_is_sent_through_the_dispatch_module_on_the_training_queue(
    researcher: Any, redis_client: Any, gpu_queue: str, django_capture_on_commit_callbacks: Any
) -> None:
    snapshot = make_snapshot("eval")
    greedy = Protocol(n=1, temperature=0.0)
    with django_capture_on_commit_callbacks(execute=True):
        run = evalrun_create(by=researcher, model="default", snapshots=[snapshot], protocol=greedy)
    (spec,) = sent_specs(redis_client, gpu_queue)
    assert spec.job_id == run.job_id and spec.kind == "generate" and spec.model == "default"
    # Absolute URIs: the worker's working directory and root may differ from the web side's.
    assert spec.artifact_prefix.startswith("/") and spec.artifact_prefix.endswith(f"/evals/{run.pk}")
    assert spec.data_uris[0].startswith("/") and spec.data_uris[0].endswith(f"{snapshot.sha256}.jsonl")
    assert spec.method_config["n"] == 1 and spec.method_config["temperature"] == 0.0

    assert evalrun_cancel(run=run, by=None)
    assert redis_client.get(job_key(run.job_id, "cancel")) is not None  # the worker's cancel flag
    run.refresh_from_db()
    assert run.status == JobStatus.CANCELLED


def test_an_evaluation_sent_while_redis_is_down_fails_with_the_reason(
    researcher: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    snapshot = make_snapshot("eval")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        settings.REDIS_URL = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    with django_capture_on_commit_callbacks(execute=True):
        run = evalrun_create(by=researcher, model="default", snapshots=[snapshot], protocol=Protocol(n=1))
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and "No worker received it" in run.error


def test_a_finished_event_applies_after_a_heartbeat_numbered_later(researcher: Any) -> None:
    """The worker's heartbeat thread may number a beat after ``finished``; an events worker
    with several processes may apply that beat first. The run must not stay generating."""
    snapshot = make_snapshot("eval")
    run = evalrun_create(
        by=researcher, model="default", snapshots=[snapshot], protocol=Protocol(n=1), dispatch=False
    )
    assert apply_eval_event(ProgressEvent(run.job_id, 1, "started")) == "applied started"
    assert apply_eval_event(ProgressEvent(run.job_id, 3, "heartbeat")) == "applied heartbeat"
    finished = ProgressEvent(run.job_id, 2, "finished", payload={"generations_uri": "/g.jsonl", "count": 2})
    assert apply_eval_event(finished) == "applied finished"
    assert apply_eval_event(finished).startswith("ignored")  # delivered twice
    run.refresh_from_db()
    assert run.phase == Phase.JUDGING and run.last_seq == 3 and run.generations_uri == "/g.jsonl"


def test_a_cadence_evaluates_each_due_checkpoint_once_and_exactly_that_checkpoint(
    researcher: Any, redis_client: Any, gpu_queue: str, django_capture_on_commit_callbacks: Any
) -> None:
    train, evals = make_snapshot("train"), make_snapshot("eval")
    request = LaunchRequest(
        method="sft", model="default", train_snapshot=train, eval_snapshot=evals, eval_every=20,
        config={"max_steps": 45}, contamination_override=OVERRIDE,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = run_launch(by=researcher, request=request)
        # Step 20 arrives twice (a re-sent checkpoint); 45 is the last step, not a multiple of 20.
        for seq, step in ((1, 10), (2, 20), (3, 20), (4, 30), (5, 40), (6, 45)):
            event_apply(checkpoint_event(run, seq, step))
        last = checkpoint_event(run, 6, 45).payload["uri"]
        event_apply(ProgressEvent(run.job_id, 7, "finished", step=45, payload={"checkpoint": last}))
    scheduled = list(EvalRun.objects.filter(scheduled_by=run).order_by("init_checkpoint__step"))
    assert [e.init_checkpoint.step for e in scheduled] == [20, 40, 45]
    assert all(e.model == f"run:{run.pk}" and e.created_by == researcher for e in scheduled)
    assert scheduled[0].protocol == Protocol(n=1, ks=(1,), temperature=0.0).to_dict()
    specs = [s for s in sent_specs(redis_client, gpu_queue) if s.kind == "generate"]
    assert [s.init_checkpoint for s in specs] == [e.init_checkpoint.uri for e in scheduled]
    assert {s.model for s in specs} == {"default"}  # the base model the run trained
    assert queued_messages(redis_client, gpu_queue) == 1 + len(scheduled)  # the run and its evals


def test_a_run_without_a_cadence_schedules_no_evaluation(
    researcher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    train, evals = make_snapshot("train"), make_snapshot("eval")
    request = LaunchRequest(
        method="sft", model="default", train_snapshot=train, eval_snapshot=evals,
        contamination_override=OVERRIDE,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = run_launch(by=researcher, request=request)
        event_apply(checkpoint_event(run, 1, 20))
    assert not EvalRun.objects.exists() and run.eval_protocol == {}


def test_the_form_takes_a_cadence_and_refuses_one_without_an_eval_snapshot(
    client: Any, researcher: Any, redis_client: Any, gpu_queue: str
) -> None:
    train, evals = make_snapshot("train"), make_snapshot("eval")
    client.force_login(researcher)
    page = client.get("/runs/launch/").content.decode()
    assert all(f'name="{n}"' in page for n in ("eval_every", "eval_n", "eval_max_new_tokens"))
    shown = errors_of(client.post("/runs/launch/", form(train, eval_every="10")).content.decode())
    assert shown["eval_every"] == ["choose an eval snapshot to evaluate on"]
    response = client.post(
        "/runs/launch/",
        form(train, eval_snapshot=evals.sha256, contamination_override=OVERRIDE, eval_every="10",
             eval_n="4", eval_max_new_tokens="64"),
    )  # fmt: skip
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and run.eval_every == 10
    assert Protocol.from_dict(run.eval_protocol) == Protocol(n=4, ks=(1,), temperature=0.8, max_new_tokens=64)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert 'id="run-evals"' in page and "n=4 · T=0.8" in page


def test_launch_run_takes_eval_every_and_eval_set(
    admin_user: Any, redis_client: Any, gpu_queue: str, capsys: Any
) -> None:
    train, evals = make_snapshot("train"), make_snapshot("eval")
    base = ["launch_run", "--method", "sft", "--model", "default", "--train-snapshot", train.sha256,
            "--eval-snapshot", evals.sha256, "--contamination-override", OVERRIDE]  # fmt: skip
    with pytest.raises(SystemExit) as exit_:
        call_command(*base, "--eval-every", "5", "--eval-set", "n=3", "--eval-set", "temperature=0")
    assert exit_.value.code == 2
    assert "refused: eval_temperature: greedy decoding" in capsys.readouterr().err
    assert not TrainingRun.objects.exists()
    call_command(*base, "--eval-every", "5", "--eval-set", "n=2", "--eval-set", "max_new_tokens=128")
    run = TrainingRun.objects.get()
    assert capsys.readouterr().out.splitlines()[0] == str(run.pk)
    assert run.eval_every == 5
    assert Protocol.from_dict(run.eval_protocol) == Protocol(
        n=2, ks=(1,), temperature=0.8, max_new_tokens=128
    )


def test_a_generating_evaluation_whose_worker_beats_in_redis_is_not_reaped(
    researcher: Any, redis_client: Any
) -> None:
    """Its events may wait behind a long judging on the cpu worker; the worker's own Redis
    heartbeat keeps it alive. Without that beat the shared reaper fails it."""
    snapshot = make_snapshot("eval")
    alive, dead = (
        evalrun_create(
            by=researcher, model="default", snapshots=[snapshot], protocol=Protocol(n=1), dispatch=False
        )
        for _ in range(2)
    )
    long_ago = timezone.now() - timedelta(seconds=REAP_AFTER_SECONDS + 60)
    EvalRun.objects.filter(pk__in=[alive.pk, dead.pk]).update(status=JobStatus.RUNNING, heartbeat_at=long_ago)
    redis_client.set(job_key(alive.job_id, "heartbeat"), str(time.time()), ex=30)
    redis_client.delete(job_key(dead.job_id, "heartbeat"))
    jobs_reap()
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == JobStatus.RUNNING and alive.heartbeat_at > long_ago
    assert dead.status == JobStatus.FAILED and "No heartbeat" in dead.error

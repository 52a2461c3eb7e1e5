"""Judging on the shared job machinery (issue 20): evaluation events applied through a handler
table, once, never backwards; every end announced by ``job_finished``; the judging job sent
through ``job_enqueue`` (Redis down: failed with the reason) and, with processes of the
test's own (tests/procs.py), a cpu worker killed mid-judging never leaves the evaluation
stuck."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.procs import RedisServer, Stack, kill9, wait_for
from training_worker.contracts import ProgressEvent
from webapp.core.jobs import ENQUEUE_FAILED, job_finished
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Generation, Phase
from webapp.evaluation.services import apply_eval_event, evalrun_cancel, evalrun_create, evalrun_judge

from .conftest import write_generations

#: A wrong answer that takes a while to load: enough of them keep a cpu worker judging for
#: several batches (``services.JUDGE_BATCH``), long enough to kill it in the middle.
SLOW = "code:import time\ntime.sleep(0.4)\ndef {name}(*args, **kwargs):\n    return 'no'\n"


def _run(suite: Any, n: int = 1) -> EvalRun:
    snapshot, _ = suite
    return evalrun_create(
        by=None, model="default", snapshots=[snapshot], protocol=Protocol(n=n, ks=(1,)), dispatch=False
    )


def _event(run: EvalRun, seq: int, kind: str, **payload: Any) -> str:
    return apply_eval_event(ProgressEvent(run.job_id, seq, kind, payload=payload))


def _generated(artifacts: Path, suite: Any, n: int, plan: Any = None) -> EvalRun:
    """An evaluation whose worker generated ``n`` samples per problem and said so; applying
    ``finished`` queues it for judging and sends the judging job (on commit)."""
    run = _run(suite, n)
    uri = write_generations(artifacts, run.artifact_prefix, [suite], plan or (lambda r, i: "reference"), n=n)
    assert _event(run, 1, "started") == "applied started"
    assert _event(run, 2, "finished", generations_uri=uri, count=n * len(suite[1])) == "applied finished"
    return EvalRun.objects.get(pk=run.pk)


@pytest.fixture
def ends() -> Iterator[list[tuple[int, str]]]:
    """Every ``job_finished`` an evaluation sends, as ``(pk, status)``."""
    heard: list[tuple[int, str]] = []

    def listen(sender: Any, pk: int, status: str, **_: Any) -> None:
        if sender is EvalRun:
            heard.append((pk, str(status)))

    job_finished.connect(listen, dispatch_uid="test-eval-ends")
    yield heard
    job_finished.disconnect(dispatch_uid="test-eval-ends")


@pytest.mark.django_db
def test_a_duplicate_or_late_event_never_moves_an_evaluation_backwards(atom_suite: Any) -> None:
    run = _run(atom_suite)
    assert _event(run, 1, "started") == "applied started"
    assert _event(run, 3, "generations", done=4, total=8) == "applied generations"
    assert _event(run, 3, "generations", done=4, total=8).startswith("ignored")  # delivered twice
    assert _event(run, 2, "generations", done=2, total=8).startswith("ignored")  # out of order
    assert _event(run, 1, "started").startswith("ignored")
    run.refresh_from_db()
    assert (run.status, run.done, run.last_seq) == (JobStatus.RUNNING, 4, 3)
    assert _event(run, 4, "finished", generations_uri="/g.jsonl", count=8) == "applied finished"
    # Once judging, nothing the GPU worker sends moves the run: a duplicate end, a late beat,
    # a failure reported after the fact.
    assert _event(run, 4, "finished", generations_uri="/other.jsonl", count=8).startswith("ignored")
    assert _event(run, 5, "generations", done=1, total=8).startswith("ignored")
    assert _event(run, 6, "failed", error="late").startswith("ignored")
    run.refresh_from_db()
    assert (run.phase, run.status, run.generations_uri, run.error) == (
        Phase.JUDGING,
        JobStatus.QUEUED,
        "/g.jsonl",
        "",
    )


@pytest.mark.django_db
def test_job_finished_fires_for_a_failed_a_cancelled_and_a_succeeded_evaluation(
    artifacts: Path, atom_suite: Any, ends: list[tuple[int, str]]
) -> None:
    failed, cancelled, queued = _run(atom_suite), _run(atom_suite), _run(atom_suite)
    _event(failed, 1, "started")
    assert _event(failed, 2, "failed", error="CUDA out of memory") == "applied failed"
    _event(cancelled, 1, "started")
    assert evalrun_cancel(run=cancelled, by=None)  # running: the worker stops and says so
    assert _event(cancelled, 2, "cancelled") == "applied cancelled"
    assert evalrun_cancel(run=queued, by=None)  # still queued: closed at once
    judged = _generated(artifacts, atom_suite, n=1)
    evalrun_judge(run_pk=judged.pk)
    assert ends == [
        (failed.pk, JobStatus.FAILED),
        (cancelled.pk, JobStatus.CANCELLED),
        (queued.pk, JobStatus.CANCELLED),
        (judged.pk, JobStatus.SUCCEEDED),
    ]
    failed.refresh_from_db()
    assert failed.error == "CUDA out of memory" and failed.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_judging_sent_while_redis_is_down_fails_the_evaluation_with_the_reason(
    artifacts: Path, atom_suite: Any, tmp_path: Path, use_broker: Any, ends: list[tuple[int, str]]
) -> None:
    redis = RedisServer(tmp_path).start()
    redis.kill()  # a real server that was there and is gone: connections are refused
    use_broker(redis.url)
    started = time.monotonic()
    run = _generated(artifacts, atom_suite, n=1)
    assert time.monotonic() - started < 10, "applying the event waited for the broker"
    assert run.status == JobStatus.FAILED and run.error.startswith(ENQUEUE_FAILED), run.error
    assert run.phase == Phase.JUDGING and run.finished_at is not None
    assert ends == [(run.pk, JobStatus.FAILED)]


def _judging_started(pk: int) -> EvalRun | None:
    run = EvalRun.objects.get(pk=pk)
    return run if run.status == JobStatus.RUNNING and run.done > 0 else None


def _slow_run(stack: Stack, artifacts: Path, atom_suite: Any) -> EvalRun:
    """An evaluation of 4 problems × 24 slow samples, sent for judging to the stack's worker."""
    stack.env["ARTIFACT_ROOT"] = str(artifacts)  # the worker reads the same snapshot and generations
    return _generated(artifacts, atom_suite, n=24, plan=lambda r, i: SLOW)


@pytest.mark.django_db(transaction=True)
def test_a_pool_child_killed_mid_judging_is_retried_and_the_evaluation_succeeds(
    stack: Stack, artifacts: Path, atom_suite: Any
) -> None:
    run = _slow_run(stack, artifacts, atom_suite)
    worker = stack.start_worker()
    wait_for(lambda: _judging_started(run.pk), 180, "judging to get past its first batch")
    [child] = worker.pool_children()
    kill9(child)
    # The message comes back at once; the new pool child finds the row alive (its heartbeat
    # is fresh), retries after stale + heartbeat seconds and then takes the row back.
    done = wait_for(lambda: (r := EvalRun.objects.get(pk=run.pk)).finished and r, 240, "judging to end")
    assert (done.status, done.phase, done.attempt) == (JobStatus.SUCCEEDED, Phase.DONE, 2), done.error
    assert "Retry in" in worker.log_text()
    judged = Generation.objects.filter(run=run, judged_at__isnull=False)
    assert judged.count() == done.total == 4 * 24
    assert set(judged.values_list("category", flat=True)) == {"wrong_answer"}


@pytest.mark.django_db(transaction=True)
def test_a_cpu_worker_killed_mid_judging_leaves_the_evaluation_failed_with_the_reason(
    stack: Stack, artifacts: Path, atom_suite: Any
) -> None:
    run = _slow_run(stack, artifacts, atom_suite)
    stack.start_worker()
    stack.start_beat()
    wait_for(lambda: _judging_started(run.pk), 180, "judging to get past its first batch")
    stack.worker.kill()  # main process and pool child: the whole worker is gone
    stack.start_worker()  # what the supervisor does
    done = wait_for(lambda: (r := EvalRun.objects.get(pk=run.pk)).finished and r, 90, "the reaper to end it")
    assert done.status == JobStatus.FAILED
    assert "No heartbeat for more than 6 s" in done.error and "Failed by the reaper" in done.error


@pytest.mark.django_db(transaction=True)
def test_a_judging_message_lost_with_redis_is_sent_again_by_the_reaper(
    stack: Stack, artifacts: Path, atom_suite: Any
) -> None:
    stack.env["ARTIFACT_ROOT"] = str(artifacts)
    run = _generated(artifacts, atom_suite, n=1)
    assert run.status == JobStatus.QUEUED and run.phase == Phase.JUDGING
    stack.redis.kill()
    stack.redis.start()  # empty: the judging message is gone, as after a crash
    stack.start_worker()
    stack.start_beat()
    done = wait_for(lambda: (r := EvalRun.objects.get(pk=run.pk)).finished and r, 120, "judging to end")
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert Generation.objects.filter(run=run, passed=True).count() == len(atom_suite[1])

"""The pipeline through real Celery workers: the GPU side's events arrive on the ``events``
queue as ``atomlab.events.progress`` tasks (sent the way ``training_worker.events.CelerySink``
sends them), the run is judged by the ``cpu`` worker in its sandbox, and the scores land
in the database. The generator is this test writing a real generations file."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from training_worker.events import CelerySink, Emitter
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Generation, Phase, SuiteScore
from webapp.evaluation.services import evalrun_create

from .conftest import KINDS, freeze, write_generations

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(run: EvalRun, done: Any, timeout: float = 120) -> EvalRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if done(run):
            return run
        time.sleep(0.2)
    raise AssertionError(
        f"eval {run.pk} still {run.phase}/{run.status} after {timeout} s: {run.message} {run.error}"
    )


def test_events_from_the_gpu_side_lead_to_judging_on_the_cpu_worker(
    celery_workers: Any, settings: Any
) -> None:
    from webapp.atoms.services import library_load
    from webapp.celery_app import app
    from webapp.mixtures.storage import read_snapshot

    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT  # the workers' root, so both sides see the files
    library_load()
    snapshot = freeze("eval-worker", "atom_base", "3")
    records = list(read_snapshot(snapshot.sha256))
    run = evalrun_create(
        by=None, model="default", snapshots=[snapshot], protocol=Protocol(n=5, ks=(1, 5)), dispatch=False
    )
    emitter = Emitter(run.job_id, CelerySink(app))
    emitter.emit("started", {"kind": "generate"})
    total = len(records) * len(KINDS)
    emitter.emit("generations", {"done": total // 2, "total": total})
    run = wait_for(run, lambda r: r.done == total // 2)
    assert run.status == JobStatus.RUNNING and run.phase == Phase.GENERATING
    uri = write_generations(WORKER_ARTIFACT_ROOT, run.artifact_prefix, [(snapshot, records)])
    emitter.emit(
        "finished",
        {
            "generations_uri": uri,
            "count": total,
            "backend": "test",
            "seconds": 0.5,
            "samples_per_second": total / 0.5,
        },
    )
    run = wait_for(run, lambda r: r.finished)
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.phase == Phase.DONE and run.done == run.total == total
    assert Generation.objects.filter(run=run, judged_at__isnull=False).count() == total
    assert set(Generation.objects.filter(run=run, sample_index=3).values_list("category", flat=True)) == {
        "tampering"
    }
    scores = {s.k: s.estimate for s in SuiteScore.objects.filter(run=run)}
    assert scores[1] == pytest.approx(1 / 5) and scores[5] == pytest.approx(1.0)
    assert run.result["generation"]["backend"] == "test" and run.counters["generated"] == total

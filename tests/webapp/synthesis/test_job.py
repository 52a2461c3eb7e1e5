"""The synthesis job on a real Celery worker: it succeeds with counters, and cancelling it
stops it cleanly without touching the stored pools."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webapp.atoms.services import library_load
from webapp.core.jobs import job_cancel
from webapp.core.models import BackgroundJob, JobStatus
from webapp.synthesis.models import Composite
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(job_id: int, until: Any, timeout: float = 120) -> BackgroundJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = BackgroundJob.objects.get(pk=job_id)
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stuck: {BackgroundJob.objects.get(pk=job_id).__dict__}")


def test_the_job_on_the_worker_succeeds_with_counters(celery_workers: Any, researcher: Any) -> None:
    library_load()
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 30, "B": 10, "C": 10}, seed=0))
    assert run.job_id is not None
    job = _wait(run.job_id, lambda j: j.finished)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done == job.total == 50
    assert job.counters["valid"] == 50 and job.counters["generated"] > 50
    assert any(k.startswith("rejected: ") for k in job.counters)
    assert job.result["stored"] == {"A": 30, "B": 10, "C": 10}
    assert Composite.objects.count() == 50


def test_cancelling_the_job_stops_it_and_stores_nothing(celery_workers: Any, researcher: Any) -> None:
    library_load()
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 3000}, depth=(2, 4), seed=2))
    assert run.job_id is not None
    job = _wait(run.job_id, lambda j: j.status == JobStatus.RUNNING and j.done > 0)
    assert job_cancel(job=job)
    job = _wait(run.job_id, lambda j: j.finished, timeout=30)
    assert job.status == JobStatus.CANCELLED
    assert 0 < job.done < 3000
    assert Composite.objects.count() == 0

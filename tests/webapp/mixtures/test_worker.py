"""Freezing as a background job on the real Celery cpu worker."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from webapp.core.models import BackgroundJob, JobStatus
from webapp.mixtures.models import Snapshot
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze, snapshot_freeze_enqueue

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(job: BackgroundJob, timeout: float = 120) -> BackgroundJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s: {job.message}")


def test_freeze_job_runs_on_the_worker_and_matches_an_in_process_freeze(
    loaded: Any, celery_workers: Any, settings: Any
) -> None:
    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT  # the worker's root, so both sides see one file
    items = [Item(source="atom_modify", ratio=Decimal(600)), Item(source="atom_base", ratio=Decimal(1))]
    mixture = mixture_create(name="queued", by=None, seed=4, items=items)
    with transaction.atomic():
        job = snapshot_freeze_enqueue(version=mixture.latest, by=None)
    job = _wait(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.done, job.total) == (3, 3)
    snap = Snapshot.objects.get(pk=job.result["snapshot_id"])
    assert job.result["sha256"] == snap.sha256 and snap.rows == 601
    assert (Path(WORKER_ARTIFACT_ROOT) / snap.path).exists()
    twin = mixture_create(name="in-process", by=None, seed=4, items=items)
    assert snapshot_freeze(version=twin.latest, by=None).sha256 == snap.sha256


def test_a_freeze_job_with_an_empty_recipe_fails_with_the_reason(loaded: Any, celery_workers: Any) -> None:
    mixture = mixture_create(name="empty", by=None)
    with transaction.atomic():
        job = snapshot_freeze_enqueue(version=mixture.latest, by=None)
    job = _wait(job)
    assert job.status == JobStatus.FAILED and "has no sources to freeze" in job.error

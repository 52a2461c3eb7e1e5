"""Background jobs: one lifecycle (claim, progress, heartbeat, cancel, finish, reap) and who
may cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from webapp.core.jobs import (
    JobCancelled,
    JobContext,
    JobError,
    job_cancel,
    job_claim,
    job_create,
    job_finish,
    job_run,
    jobs_reap,
)
from webapp.core.models import REAP_AFTER_SECONDS, STALE_AFTER_SECONDS, BackgroundJob, JobStatus


def _stale(job: BackgroundJob, seconds: float = STALE_AFTER_SECONDS + 5) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_job_is_claimed_once_and_finishes_with_done_equal_total(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    seen: list[int] = []

    def work(ctx: JobContext) -> dict[str, Any]:
        assert job_claim(BackgroundJob, job.pk) is None  # a second delivery gets nothing
        ctx.progress(4, message="4 of 10", counters={"valid": 3, "rejected": 1})
        row = ctx.row()
        seen.extend([row.done, row.percent, row.counters["valid"]])
        return {"ok": 1}

    assert job_run(BackgroundJob, job.pk, work, total=10) == {"ok": 1}
    assert seen == [4, 40, 3]
    job.refresh_from_db()
    assert (job.status, job.done, job.attempt, job.result) == (JobStatus.SUCCEEDED, 10, 1, {"ok": 1})
    assert job_run(BackgroundJob, job.pk, work) is None  # finished rows are never claimed


def test_work_that_raises_fails_the_row_with_the_error(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    assert job_run(BackgroundJob, job.pk, lambda ctx: 1 / 0) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "ZeroDivisionError: division by zero"

    explained = job_create(kind="demo", by=researcher)

    def refuse(ctx: JobContext) -> None:
        raise JobError("the recipe names no sources")

    job_run(BackgroundJob, explained.pk, refuse)
    explained.refresh_from_db()
    assert (explained.status, explained.error) == (JobStatus.FAILED, "the recipe names no sources")


def test_cancelling_a_queued_job_stops_it_before_it_starts(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    assert job_cancel(job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job_claim(BackgroundJob, job.pk) is None


def test_cancelling_a_running_job_raises_the_flag_it_polls(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)

    def work(ctx: JobContext) -> dict[str, Any]:
        assert not ctx.should_stop()
        assert job_cancel(ctx.row())
        assert ctx.should_stop()
        raise JobCancelled({"stopped_at": 3})

    job_run(BackgroundJob, job.pk, work, total=5)
    job.refresh_from_db()
    assert (job.status, job.done, job.result) == (JobStatus.CANCELLED, 0, {"stopped_at": 3})
    assert not job_cancel(job)  # finished: nothing to cancel


def test_a_stale_running_row_is_reclaimed_by_a_redelivery_and_the_old_attempt_loses(
    researcher: Any,
) -> None:
    job = job_create(kind="demo", by=researcher)
    first = job_claim(BackgroundJob, job.pk, total=3)
    assert first == 1
    assert job_claim(BackgroundJob, job.pk) is None  # alive: a duplicate cannot take it
    _stale(job)
    second = job_claim(BackgroundJob, job.pk)
    assert second == 2
    # The presumed-dead first attempt comes back: it can no longer finish the row.
    assert not job_finish(BackgroundJob, job.pk, attempt=first, result={"from": "first"})
    assert job_finish(BackgroundJob, job.pk, attempt=second, result={"from": "second"})
    job.refresh_from_db()
    assert job.result == {"from": "second"} and job.status == JobStatus.SUCCEEDED


def test_the_reaper_fails_stale_rows_with_a_reason_and_leaves_live_ones(researcher: Any) -> None:
    dead = job_create(kind="demo", by=researcher)
    alive = job_create(kind="demo", by=researcher)
    queued = job_create(kind="demo", by=researcher)
    job_claim(BackgroundJob, dead.pk)
    job_claim(BackgroundJob, alive.pk)
    _stale(alive)  # stale enough to be re-claimed, not yet to be reaped
    _stale(dead, REAP_AFTER_SECONDS + 5)
    assert jobs_reap() == {"core.BackgroundJob": 1}
    for row in (dead, alive, queued):
        row.refresh_from_db()
    assert dead.status == JobStatus.FAILED and "No heartbeat" in dead.error
    assert (alive.status, queued.status) == (JobStatus.RUNNING, JobStatus.QUEUED)
    assert job_claim(BackgroundJob, dead.pk) is None  # a late redelivery is dropped
    assert jobs_reap() == {}


def test_cancel_on_a_stale_job_ends_it_at_once(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    job_claim(BackgroundJob, job.pk)
    _stale(job)
    assert job_cancel(job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_work_runs(researcher: Any) -> None:
    import time

    job = job_create(kind="demo", by=researcher)
    beats: list[Any] = []

    def work(ctx: JobContext) -> None:
        first = ctx.row().heartbeat_at
        time.sleep(0.5)
        beats.extend([first, ctx.row().heartbeat_at])

    job_run(BackgroundJob, job.pk, work, heartbeat_seconds=0.1)
    assert beats[1] > beats[0]


def test_the_progress_partial_polls_until_the_job_finishes(client: Any, viewer: Any, researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    client.force_login(viewer)
    html = client.get(reverse("job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div class="job"') and 'hx-trigger="every 1s"' in html
    assert "Cancel" not in html  # a viewer cannot cancel
    job_finish(BackgroundJob, job.pk)
    html = client.get(reverse("job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html and "Succeeded" in html


def test_only_the_owner_or_an_admin_may_cancel(
    client: Any, viewer: Any, researcher: Any, admin_user: Any
) -> None:
    job = job_create(kind="demo", by=researcher)
    url = reverse("job-cancel", args=[job.pk])
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    other = type(researcher).objects.create_user(username="otto", password="x", role="researcher")
    client.force_login(other)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Cancelled" in response.content.decode()

"""Background jobs: claiming once, progress, cancellation and who may cancel."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.core.jobs import job_cancel, job_cancel_requested, job_claim, job_create, job_finish, job_progress
from webapp.core.models import JobStatus


def test_a_job_is_claimed_once_and_finishes_with_done_equal_total(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    assert job_claim(job_id=job.pk, total=10)
    assert not job_claim(job_id=job.pk, total=10)
    job_progress(job_id=job.pk, done=4, message="4 of 10", counters={"valid": 3, "rejected": 1})
    job.refresh_from_db()
    assert (job.status, job.done, job.percent, job.counters["valid"]) == (JobStatus.RUNNING, 4, 40, 3)
    job_finish(job_id=job.pk, result={"ok": 1})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == 10 and job.finished


def test_cancelling_a_queued_job_stops_it_before_it_starts(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    assert job_cancel(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and not job_claim(job_id=job.pk)


def test_cancelling_a_running_job_raises_the_flag_it_polls(researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    job_claim(job_id=job.pk, total=5)
    assert not job_cancel_requested(job_id=job.pk)
    assert job_cancel(job=job)
    assert job_cancel_requested(job_id=job.pk)
    job_finish(job_id=job.pk, cancelled=True)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.done == 0
    assert not job_cancel(job=job)  # finished: nothing to cancel


def test_the_progress_partial_polls_until_the_job_finishes(client: Any, viewer: Any, researcher: Any) -> None:
    job = job_create(kind="demo", by=researcher)
    client.force_login(viewer)
    html = client.get(reverse("job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div class="job"') and 'hx-trigger="every 1s"' in html
    assert "Cancel" not in html  # a viewer cannot cancel
    job_finish(job_id=job.pk)
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

"""Starting a job while Redis is down (issue 11): the request answers with the reason, and
the job row is failed with it instead of staying "queued" forever. The broker is a Redis
server of the test's own, started and then stopped, never the shared one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.procs import RedisServer
from webapp.core.jobs import ENQUEUE_FAILED
from webapp.core.models import BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dead_broker(tmp_path: Path, use_broker: Any) -> str:
    redis = RedisServer(tmp_path).start()
    redis.kill()  # a real server that was there and is gone: connections are refused
    use_broker(redis.url)
    return redis.url


def test_posting_a_synthesis_during_a_redis_outage_fails_the_job_with_the_reason(
    client: Any, researcher: Any, dead_broker: str
) -> None:
    client.force_login(researcher)
    data = {"pools": "A=10", "depth_min": 2, "depth_max": 3, "seed": 0, "cases": 8}
    started = time.monotonic()
    response = client.post(reverse("synthesize"), data, follow=True)
    took = time.monotonic() - started
    assert response.status_code == 200
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error.startswith(ENQUEUE_FAILED)
    html = response.content.decode()
    assert ENQUEUE_FAILED in html  # the message and the run's failed job both say why
    assert took < 10, f"the request waited {took:.1f} s for the broker"


def test_validate_all_during_a_redis_outage_answers_with_the_failed_job(
    client: Any, researcher: Any, dead_broker: str
) -> None:
    client.force_login(researcher)
    response = client.post(reverse("atoms-validate-all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert ENQUEUE_FAILED in response.content.decode()
    assert BackgroundJob.objects.get().status == JobStatus.FAILED


def test_with_redis_up_the_job_stays_queued_for_its_worker(
    client: Any, researcher: Any, tmp_path: Path, use_broker: Any
) -> None:
    redis = RedisServer(tmp_path).start()
    try:
        use_broker(redis.url)
        client.force_login(researcher)
        client.post(reverse("atoms-validate-all"), HTTP_HX_REQUEST="true")
        job = BackgroundJob.objects.get()
        assert (job.status, job.error) == (JobStatus.QUEUED, "")
        import redis as redis_lib

        assert redis_lib.Redis.from_url(redis.url).llen("cpu") == 1  # the message is there
    finally:
        redis.kill()

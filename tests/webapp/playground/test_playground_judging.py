"""A playground request queued for judging never waits forever: its judging message, lost
with a Redis that restarted empty, is sent again by the shared reaper's hook (the
evaluation's mechanism, ``webapp.core.jobs.queued_resend_hook``) and a real cpu worker
judges it; with the broker down the request ends failed with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.procs import RedisServer, Stack, wait_for
from tests.webapp.playground.test_playground import _event, _generations
from tests.webapp.training.conftest import make_snapshot
from webapp.core.jobs import ENQUEUE_FAILED
from webapp.core.models import JobStatus
from webapp.evaluation.models import Phase
from webapp.playground.models import PlaygroundRequest
from webapp.playground.services import Ask, apply_playground_event, judging_resend, playground_create

pytestmark = pytest.mark.django_db(transaction=True)

GOOD, BAD = "def add(a, b):\n    return a + b", "def add(a, b):\n    return a - b"


def _generated(artifacts: Path, by: Any) -> PlaygroundRequest:
    """A request of a snapshot problem whose worker generated two samples and said so:
    ``finished`` queues it for judging and sends the cpu job (on commit)."""
    ask = Ask(prompt="add", snapshot=make_snapshot(role="eval"), task_id="tiny/add", n=2)
    req = playground_create(by=by, ask=ask, dispatch=False)
    uri = _generations(req, artifacts, [GOOD, BAD])
    assert apply_playground_event(_event(req, 1, "started")) == "applied started"
    assert (
        apply_playground_event(_event(req, 2, "finished", generations_uri=uri, count=2)) == "applied finished"
    )
    return PlaygroundRequest.objects.get(pk=req.pk)


def test_a_judging_message_lost_with_redis_is_sent_again_and_the_request_is_judged(
    stack: Stack, artifacts: Path, researcher: Any
) -> None:
    stack.env["ARTIFACT_ROOT"] = str(artifacts)
    req = _generated(artifacts, researcher)
    assert (req.status, req.phase) == (JobStatus.QUEUED, Phase.JUDGING)
    stack.redis.kill()
    stack.redis.start()  # empty: the judging message is gone, as after a crash
    stack.start_worker()
    stack.start_beat()
    done = wait_for(lambda: (r := PlaygroundRequest.objects.get(pk=req.pk)).finished and r, 120, "judging")
    assert (done.status, done.phase) == (JobStatus.SUCCEEDED, Phase.DONE), done.error
    assert [(s.index, s.passed) for s in done.samples.order_by("index")] == [(0, True), (1, False)]


def test_a_lost_judging_message_with_the_broker_down_fails_the_request_with_the_reason(
    artifacts: Path, tmp_path: Path, use_broker: Any, researcher: Any
) -> None:
    # A broker of the test's own, which no worker consumes (the session's cpu workers consume
    # the test settings' broker and would judge the request).
    redis = RedisServer(tmp_path).start()
    use_broker(redis.url)
    req = _generated(artifacts, researcher)
    fresh = judging_resend()
    assert fresh == 0  # just sent: not lost yet
    redis.kill()  # a real server that was there and is gone: connections are refused
    old = datetime.now(tz=UTC) - timedelta(hours=1)
    PlaygroundRequest.objects.filter(pk=req.pk).update(heartbeat_at=old)
    assert judging_resend() == 1
    req.refresh_from_db()
    assert req.status == JobStatus.FAILED and req.error.startswith(ENQUEUE_FAILED), req.error
    assert judging_resend() == 0  # a finished request is not sent again

"""Writes and actions of the core app."""

from __future__ import annotations

import time
from dataclasses import dataclass

from celery.exceptions import TimeoutError as CeleryTimeout

from webapp.accounts.models import User
from webapp.core.access import Action, require

#: Task names of the ping on each queue; the GPU one is registered by training_worker.
PING_TASKS: dict[str, str] = {
    "cpu": "atomlab.cpu.ping",
    "events": "atomlab.events.ping",
    "gpu": "atomlab.gpu.ping",
}


@dataclass
class RoundTrip:
    """The outcome of one ping through a queue."""

    queue: str
    ok: bool
    detail: str
    ms: float | None = None


def queues_roundtrip(*, by: User, timeout: float = 5.0) -> list[RoundTrip]:
    """Send a ping through every queue and wait for each answer (researchers and up).

    A queue without a worker shows up as a timeout; the pending message is revoked so a
    worker started later does not answer a question nobody is asking any more.
    """
    require(by, Action.QUEUES_ROUNDTRIP)
    from webapp.celery_app import app

    sent = {
        q: (time.perf_counter(), app.send_task(name, args=[time.time()], queue=q))
        for q, name in PING_TASKS.items()
    }
    deadline = time.perf_counter() + timeout
    results = []
    for queue, (started, async_result) in sent.items():
        try:
            reply = async_result.get(timeout=max(0.1, deadline - time.perf_counter()))
        except CeleryTimeout:
            async_result.revoke()
            results.append(RoundTrip(queue, False, f"no answer within {timeout:.0f} s"))
            continue
        except Exception as exc:  # a broker error: report it against this queue
            results.append(RoundTrip(queue, False, f"{type(exc).__name__}: {exc}"))
            continue
        ms = round((time.perf_counter() - started) * 1000, 1)
        results.append(RoundTrip(queue, True, f"answered by {reply['host']} (pid {reply['pid']})", ms))
    return results

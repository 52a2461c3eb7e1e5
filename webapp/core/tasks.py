"""Tasks that prove the queues work end to end (used by the health page's round trip)."""

from __future__ import annotations

import os
import socket
import time

from celery import shared_task


@shared_task(name="atomlab.cpu.ping")
def cpu_ping(sent_at: float) -> dict[str, object]:
    """Answer with who ran it and when, so the caller can measure the round trip."""
    return {
        "queue": "cpu",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "sent_at": sent_at,
        "ran_at": time.time(),
    }


@shared_task(name="atomlab.events.ping")
def events_ping(sent_at: float) -> dict[str, object]:
    """As :func:`cpu_ping`, on the ``events`` queue."""
    return {
        "queue": "events",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "sent_at": sent_at,
        "ran_at": time.time(),
    }


@shared_task(name="atomlab.cpu.jobs_reap")
def jobs_reap_task() -> dict[str, int]:
    """Run by Celery beat every REAP_EVERY_SECONDS: fail the running jobs whose heartbeat
    stopped (:func:`webapp.core.jobs.jobs_reap`)."""
    from webapp.core.jobs import jobs_reap

    return jobs_reap()


# The events task lives beside its handler registry; importing it here registers it with
# the worker (autodiscovery reads ``tasks`` modules only).
from webapp.core.events import progress_task  # noqa: E402, F401

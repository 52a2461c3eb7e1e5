"""The GPU worker's Celery app: queue ``gpu``, one process per GPU, concurrency 1.

Start with ``celery -A training_worker.celery_app worker -Q gpu --concurrency 1``.
It shares the broker with the Django-side app but never imports Django.

With ``ATOMLAB_GPU_FRESH_PROCESS`` on (the default) the worker runs the prefork pool with
``worker_max_tasks_per_child=1``: each job runs in a pool child forked from the small parent
(which never imports torch), and the child exits when the job ends, so the next job starts
with no memory, CUDA context or file handle of the last one. Every pool child dies with its
parent (``PR_SET_PDEATHSIG``), so a worker killed outright takes its running job with it.
``--pool solo`` on the command line overrides the pool (and so the fresh process).
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from celery import Celery, signals

from training_worker import kombu_patch
from training_worker.settings import load_or_exit

_settings = load_or_exit()
# A worker must survive losing Redis with a job unacknowledged (kombu 5.7.0 bug; see there).
kombu_patch.install()

app = Celery("training_worker", broker=_settings.redis_url, backend=_settings.redis_url)
app.conf.update(
    task_default_queue="gpu",
    task_routes={"atomlab.gpu.*": {"queue": "gpu"}},
    # Jobs last hours. They are acknowledged after they end, one message is reserved at a
    # time, and a killed pool child gives its message back. The visibility timeout is short
    # (BROKER_VISIBILITY_TIMEOUT_SECONDS, 10 min, as on the Django side), not longer than the
    # longest job: a re-delivered copy of a running job finds the job's Redis lock held (the
    # heartbeat keeps it) and returns at once, acknowledged; a copy of a job that ended finds
    # its done marker and returns; a copy of a job whose worker died finds the lock expired
    # (6 missed beats) and runs it again. README "Jobs".
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={
        "visibility_timeout": _settings.visibility_timeout_seconds,
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 10,
        "retry_on_timeout": True,
    },
    # Redis may go away and come back: reconnect forever instead of exiting.
    broker_connection_retry=True,
    broker_connection_max_retries=None,
    redis_socket_timeout=30,
    redis_socket_connect_timeout=5,
    redis_backend_health_check_interval=10,
    redis_retry_on_timeout=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="atomlab.gpu.ping")
def gpu_ping(sent_at: float) -> dict[str, object]:
    """Answer the health page's round trip with who ran it and when."""
    return {
        "queue": "gpu",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "sent_at": sent_at,
        "ran_at": time.time(),
    }


# One job per GPU: a worker process never runs two jobs at once, whatever its command line.
app.conf.worker_concurrency = 1
if _settings.fresh_process_per_job:
    app.conf.worker_pool = "prefork"
    app.conf.worker_max_tasks_per_child = 1


@signals.worker_process_init.connect
def _die_with_the_worker(**_: Any) -> None:
    """In each pool child: SIGKILL when the worker process that forked it dies, so a job
    never runs on, orphaned, after its worker was killed (its heartbeat would keep its lock
    alive and the reaper would never see it stop)."""
    from training_worker.deathsig import die_with_parent

    parent = os.getppid()
    if not die_with_parent():
        return  # not Linux: the child outlives a killed worker, as before
    if os.getppid() != parent:  # the worker died before the line above took effect
        os._exit(1)


def _beat_presence(queues: list[str]) -> None:
    """Start this process's presence beat (``training_worker.presence``: its memory on the
    queue page, idle or not)."""
    from training_worker.control import redis_client
    from training_worker.presence import PresenceBeat
    from training_worker.settings import heartbeat_seconds

    beat = PresenceBeat(redis_client(_settings.redis_url), queues, heartbeat_seconds())
    beat.start()
    _presence.append(beat)


#: This process's presence beat, withdrawn when the process ends.
_presence: list[Any] = []


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def _presence_withdraw(**kwargs: object) -> None:
    while _presence:
        _presence.pop().withdraw()


def _consumed_queues() -> list[str]:
    queues = app.amqp.queues
    return list((queues.consume_from or queues).keys())


@signals.worker_ready.connect
def _presence_solo(sender: object = None, **kwargs: object) -> None:
    # A solo pool runs jobs in the main process; a prefork pool in its child (below).
    pool = getattr(sender, "pool", None)
    if type(pool).__module__.endswith((".solo", ".thread")):
        _beat_presence(_consumed_queues())


@signals.worker_process_init.connect
def _presence_child(**kwargs: object) -> None:
    _beat_presence(_consumed_queues())


@app.task(name="atomlab.gpu.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(spec_json: str) -> dict[str, object]:
    """Run one JobSpec (its JSON) to its end; progress goes to queue ``events`` as
    ``atomlab.events.progress`` tasks. A second delivery of a job that another worker is
    running (its Redis lock is held), or that already ran to an end, returns at once."""
    from training_worker.jobs import run_message
    from training_worker.settings import heartbeat_seconds

    return run_message(
        app,
        spec_json,
        redis_url=_settings.redis_url,
        artifact_root=_settings.artifact_root,
        heartbeat_s=heartbeat_seconds(),
    )

"""Truthful checks of what Atomlab depends on: database, Redis, Celery queues, sandbox.

Each check returns a :class:`Check` instead of raising, so the health page can show every
component's state even when several are down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import connection

#: Every queue the product uses and who consumes it (DESIGN.md, "Queues").
QUEUES: dict[str, str] = {
    "cpu": "Django-side worker: validation, synthesis, judging, snapshots",
    "events": "Django-side worker: progress events from GPU workers",
    "gpu": "training_worker: SFT, RL, generation",
}


@dataclass
class Check:
    """One component's state: ``ok``, a short detail, and how long the check took."""

    name: str
    ok: bool
    detail: str
    ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _timed(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def check_database() -> Check:
    """Run ``SELECT 1`` on the default database."""
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the detail says which
        return Check("database", False, f"{type(exc).__name__}: {exc}".strip(), _timed(start))
    return Check("database", True, f"{connection.vendor} {connection.settings_dict['NAME']}", _timed(start))


def check_redis() -> Check:
    """PING the broker."""
    start = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"{type(exc).__name__}: {exc}", _timed(start))
    return Check("redis", True, settings.REDIS_URL.rsplit("@", 1)[-1], _timed(start))


def check_queues(timeout: float = 1.0) -> list[Check]:
    """Which online workers consume each queue, from a broadcast to all workers.

    Both Celery apps share the broker, so one broadcast reaches the GPU workers too.
    """
    from webapp.celery_app import app

    start = time.perf_counter()
    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception as exc:  # broker down: every queue is unknown, say why once per queue
        detail = f"cannot ask workers: {type(exc).__name__}: {exc}"
        return [Check(f"queue {q}", False, detail, _timed(start)) for q in QUEUES]
    by_queue: dict[str, list[str]] = {q: [] for q in QUEUES}
    for worker, consumed in replies.items():
        for info in consumed:
            by_queue.setdefault(str(info["name"]), []).append(worker)
    elapsed = _timed(start)
    checks = []
    for queue, workers in by_queue.items():
        detail = ", ".join(sorted(workers)) if workers else "no worker online"
        checks.append(Check(f"queue {queue}", bool(workers), detail, elapsed, {"workers": sorted(workers)}))
    return checks


def check_sandbox() -> Check:
    """The sandbox's isolation level: which layers (namespaces, seccomp, uid, rlimits) a
    worker could set up, and which are missing. Missing layers count as down."""
    from webapp.core.judging import sandbox_health

    start = time.perf_counter()
    try:
        data = sandbox_health()
    except Exception as exc:  # service unreachable or a worker cannot start: say which
        return Check("sandbox", False, f"{type(exc).__name__}: {exc}", _timed(start))
    layers = data.get("layers") or {}
    missing = [name for name, on in layers.items() if not on]
    detail = f"{data.get('isolation', 'unknown')} ({data.get('where', '')})"
    if missing:
        errors = data.get("errors") or {}
        detail += "; missing " + ", ".join(f"{m}: {errors.get(m, 'unavailable')}" for m in missing)
    down = [s for s in data.get("services", []) if not s.get("ok")]
    if down:  # several services (SANDBOX_URL lists them): judging goes on without these
        detail += f"; {len(down)} of {len(data['services'])} services not ok: "
        detail += ", ".join(f"{s['url']} ({s.get('error') or s.get('status', 'not ok')})" for s in down)
    ok = bool(data.get("ok")) and not missing
    return Check("sandbox", ok, detail, _timed(start), {"layers": layers})


def queues_unknown() -> list[Check]:
    """Each queue as down, because Redis (through which workers are asked) is down."""
    return [Check(f"queue {q}", False, "unknown: Redis is down") for q in QUEUES]


def check_fast() -> list[Check]:
    """The checks that answer within milliseconds: database, Redis, sandbox."""
    return [check_database(), check_redis(), check_sandbox()]


def check_all() -> list[Check]:
    """Every check, database first. Queues are skipped with a reason when Redis is down."""
    database, redis_check, sandbox = check_fast()
    queues = check_queues() if redis_check.ok else queues_unknown()
    return [database, redis_check, *queues, sandbox]

"""What a worker shares with the rest of the system about a running job, in Redis, with no
Django: the lock that keeps a job on one worker, the heartbeat, the cancel flag and the
event counter.

Keys (``<id>`` is the job id):

- ``atomlab:job:<id>:lock`` -- the token of the worker running the job (``SET NX`` with a
  TTL the heartbeat refreshes); a second delivery of the job finds it held and exits.
- ``atomlab:job:<id>:heartbeat`` -- unix time of the last beat, expiring after a few missed
  beats; the web side's reaper reads it.
- ``atomlab:job:<id>:cancel`` -- set by the web side; the trainer polls it at step boundaries.
- ``atomlab:job:<id>:seq`` -- the last event sequence number, so a resumed job continues it.
- ``atomlab:job:<id>:done:<spec digest>`` -- this exact spec has run to an end; a late
  re-delivery of the same message is skipped.
- ``atomlab:job:<id>:started:<attempt>`` -- this attempt started on some worker (kept 30
  days, far beyond the visibility timeout). A copy of the message re-delivered after that
  worker died finds it and does not run the attempt again: the web side's reaper fails the
  run, and Resume sends the next attempt, which runs.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

KEY_PREFIX = "atomlab:job:"
#: Event counters and done markers outlive any run that may still be resumed.
LONG_TTL_S = 30 * 24 * 3600

# Refresh or delete the lock only while this worker still holds it.
_REFRESH = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) "
    "else return 0 end"
)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def job_key(job_id: str, name: str) -> str:
    """``atomlab:job:<id>:<name>``."""
    return f"{KEY_PREFIX}{job_id}:{name}"


def spec_digest(spec_json: str) -> str:
    """A short digest of a spec's JSON (the done marker's suffix)."""
    return hashlib.sha256(spec_json.encode()).hexdigest()[:16]


def redis_client(url: str) -> Any:
    """A Redis client with short socket timeouts (a beat must not hang the trainer)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)


class JobControl:
    """Lock, heartbeat, cancel flag and event counter of one job in Redis."""

    def __init__(self, client: Any, job_id: str, *, heartbeat_s: float = 10.0) -> None:
        self.client = client
        self.job_id = job_id
        self.heartbeat_s = heartbeat_s
        # A few missed beats before the web side may call the worker dead.
        self.heartbeat_ttl_s = max(3, int(heartbeat_s * 3))
        self.lock_ttl_s = max(5, int(heartbeat_s * 6))
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holds_lock = False

    def acquire(self) -> bool:
        """Take the job's lock; False when another worker holds it."""
        self.holds_lock = bool(
            self.client.set(job_key(self.job_id, "lock"), self.token, nx=True, ex=self.lock_ttl_s)
        )
        return self.holds_lock

    def beat(self) -> bool:
        """Record a heartbeat and extend the lock; False when the lock was lost (expired and
        taken by another worker), which the trainer treats as a reason to stop."""
        self.client.set(job_key(self.job_id, "heartbeat"), f"{time.time():.3f}", ex=self.heartbeat_ttl_s)
        if not self.holds_lock:
            return True
        return bool(self.client.eval(_REFRESH, 1, job_key(self.job_id, "lock"), self.token, self.lock_ttl_s))

    def release(self) -> None:
        """Give the lock back (only if still ours) and drop the heartbeat."""
        if self.holds_lock:
            self.client.eval(_RELEASE, 1, job_key(self.job_id, "lock"), self.token)
            self.holds_lock = False
        self.client.delete(job_key(self.job_id, "heartbeat"))

    def cancel_requested(self) -> bool:
        """Whether the web side asked this job to stop."""
        return bool(self.client.exists(job_key(self.job_id, "cancel")))

    def request_cancel(self) -> None:
        """Ask the job to stop (what the web side does; tests and the CLI use it too)."""
        self.client.set(job_key(self.job_id, "cancel"), "1", ex=LONG_TTL_S)

    def clear_cancel(self) -> None:
        """Forget an earlier cancel request (before a resumed attempt starts)."""
        self.client.delete(job_key(self.job_id, "cancel"))

    def next_seq(self) -> int:
        """The next event sequence number for this job, across attempts and workers."""
        key = job_key(self.job_id, "seq")
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, LONG_TTL_S)
        seq, _ = pipe.execute()
        return int(seq)

    def start_attempt(self, attempt: int) -> bool:
        """Record that ``attempt`` starts now; False when it already started once (on this
        or another worker, which may have died since)."""
        key = job_key(self.job_id, f"started:{attempt}")
        return bool(self.client.set(key, self.token, nx=True, ex=LONG_TTL_S))

    def mark_done(self, digest: str, outcome: str) -> None:
        """Remember that the spec with ``digest`` ran to an end."""
        self.client.set(job_key(self.job_id, f"done:{digest}"), outcome, ex=LONG_TTL_S)

    def done(self, digest: str) -> str | None:
        """The outcome of an earlier run of the spec with ``digest``, if any."""
        value = self.client.get(job_key(self.job_id, f"done:{digest}"))
        return value.decode() if isinstance(value, bytes) else value


class Heartbeat(threading.Thread):
    """Beats every ``interval_s`` until stopped: refreshes the Redis keys (when there is a
    control) and calls ``on_beat`` (which emits a ``heartbeat`` event). Sets ``lost`` when
    the lock was taken by someone else."""

    def __init__(self, interval_s: float, *, control: JobControl | None, on_beat: Callable[[], None]) -> None:
        super().__init__(name="atomlab-heartbeat", daemon=True)
        self.interval_s = interval_s
        self.control = control
        self.on_beat = on_beat
        self.lost = threading.Event()
        self._stop_event = threading.Event()
        self.errors = 0

    def run(self) -> None:
        """The beat loop."""
        while not self._stop_event.wait(self.interval_s):
            try:
                if self.control is not None and not self.control.beat():
                    self.lost.set()
                self.on_beat()
            except Exception:  # a Redis or broker hiccup must not kill the job
                self.errors += 1

    def stop(self) -> None:
        """End the loop and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=self.interval_s + 5)

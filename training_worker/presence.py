"""A GPU worker's presence in Redis, with no Django: which process it is, what it runs and how
much memory it holds, beaten whether or not it runs a job (an idle worker holding gigabytes
is what the queue page must show).

Key ``atomlab:worker:<host>:<pid>``: JSON ``{"host", "pid", "queues", "rss_bytes",
"gpu_bytes", "job_id", "at"}``, rewritten every beat and expiring after three missed beats,
so a dead worker drops off the page by itself. The web side reads them with
:func:`read_workers`.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

WORKER_PREFIX = "atomlab:worker:"

#: The job the worker process runs now (set by ``training_worker.jobs.run_job``).
current_job: dict[str, str | None] = {"job_id": None}


def worker_key(host: str, pid: int) -> str:
    """``atomlab:worker:<host>:<pid>``."""
    return f"{WORKER_PREFIX}{host}:{pid}"


def rss_bytes(pid: int | None = None) -> int:
    """A process's resident memory now (Linux ``/proc``; this one by default); elsewhere this
    process's peak, which is what ``getrusage`` knows (0 for another process)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        if pid is not None:
            return 0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def gpu_bytes() -> int | None:
    """Memory torch has reserved on the GPU, when torch is already loaded and has one (never
    imports torch: an idle worker that never ran a job has none)."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            return int(torch.cuda.memory_reserved())
    except Exception:  # a broken driver must not stop the beat
        return None
    return None


def presence(queues: Iterable[str]) -> dict[str, Any]:
    """What one beat records about this process."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "queues": sorted(queues),
        "rss_bytes": rss_bytes(),
        "gpu_bytes": gpu_bytes(),
        "job_id": current_job["job_id"],
        "at": round(time.time(), 3),
    }


class PresenceBeat(threading.Thread):
    """Writes this process's presence every ``interval_s`` (TTL three beats) until the
    process exits; a Redis hiccup skips a beat, never the thread."""

    def __init__(self, client: Any, queues: Iterable[str], interval_s: float) -> None:
        super().__init__(name="atomlab-presence", daemon=True)
        self.client, self.queues, self.interval_s = client, list(queues), interval_s
        self.ttl_s = max(3, int(interval_s * 3))

    def beat(self) -> None:
        """One write of the key."""
        record = presence(self.queues)
        key = worker_key(record["host"], record["pid"])
        self.client.set(key, json.dumps(record), ex=self.ttl_s)

    def withdraw(self) -> None:
        """Remove this process's key (a pool child that exits after its one job, a worker that
        shuts down): the queue page then stops listing it at once, not three beats later."""
        with contextlib.suppress(Exception):
            self.client.delete(worker_key(socket.gethostname(), os.getpid()))

    def run(self) -> None:
        """Beat now, then every ``interval_s``."""
        while True:
            with contextlib.suppress(Exception):  # Redis away: the next beat tries again
                self.beat()
            time.sleep(self.interval_s)


def read_workers(client: Any) -> list[dict[str, Any]]:
    """Every live worker's last beat, by host and pid."""
    records = []
    for key in client.scan_iter(match=f"{WORKER_PREFIX}*", count=200):
        raw = client.get(key)
        if raw:
            try:
                records.append(json.loads(raw))
            except ValueError:
                continue
    return sorted(records, key=lambda r: (str(r.get("host")), int(r.get("pid") or 0)))

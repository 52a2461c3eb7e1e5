"""GPU-queue worker processes for the training app's end-to-end tests: real
``training_worker.celery_app`` workers on a queue of their own (so no other test's worker
takes their jobs), with a 1 s heartbeat so that a killed one is noticed in seconds. The
Django side's events are applied by the session's ``celery_workers`` (queue ``events``)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

from tests.conftest import _start_worker, _wait_for_worker


class GpuWorker:
    """One worker process on ``queue``, with the prefork pool as production runs it: each job
    in a pool child of its own (ATOMLAB_GPU_FRESH_PROCESS, default on)."""

    def __init__(
        self, queue: str, artifact_root: str, pool: str = "prefork", extra_env: dict[str, str] | None = None
    ) -> None:
        from webapp.celery_app import app

        env = dict(os.environ, ARTIFACT_ROOT=artifact_root, ATOMLAB_HEARTBEAT_SECONDS="1", HF_HUB_OFFLINE="1")
        env.update(extra_env or {})
        self.name = f"{queue}-{uuid.uuid4().hex[:6]}@trainweb-test"
        self.proc = _start_worker("training_worker.celery_app", queue, self.name, env, pool)
        _wait_for_worker(app, self.name, self.proc, timeout=120)

    def kill(self) -> None:
        """SIGKILL: the process dies mid-step, as on a lost machine (no clean shutdown)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wait_for(check: Callable[[], Any], *, timeout: float, every: float = 0.2, what: str = "") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or check}")
        time.sleep(every)

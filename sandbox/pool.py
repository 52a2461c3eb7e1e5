"""The warm pool: one worker per core, each a small isolated process that forks one
sandboxed child per program (see ``sandbox.worker``). Thread-safe: any number of threads
may call ``judge_batch`` at once; each worker slot has a thread that feeds it jobs."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from sandbox import isolation
from sandbox.isolation import IsolationError, IsolationReport
from sandbox.protocol import Recv, recv_frame, send_bytes
from sandbox.types import JudgeRequest, JudgeResult, Verdict
from sandbox.verdict import judge_result, validate_cases
from sandbox.worker import WorkerConfig

log = logging.getLogger(__name__)

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from sandbox.worker import main; main()"
# Workers inherit nothing from the caller's environment (it may hold database URLs, keys).
_WORKER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"}
_START_TIMEOUT_S = 60.0
#: Slack on top of a program's own limit before the pool gives up on a worker.
_WORKER_GRACE_S = 30.0
_MAX_SLOTS = 32
_uid_blocks = itertools.count()


class WorkerLost(RuntimeError):
    """A worker died or stopped answering."""


def _uid_base() -> int:
    """A block of 64 uids unlikely to be used by anything else (or by another pool)."""
    block = (os.getpid() * 16 + next(_uid_blocks)) % (1 << 20)
    return 100_000_000 + block * 64


class _Worker:
    """The pool's handle on one worker process."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _BOOT, _PACKAGE_PARENT, json.dumps(config._asdict())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_WORKER_ENV,
            cwd="/",
            start_new_session=True,  # a Ctrl-C at the terminal is the pool's to handle
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.in_fd, self.out_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        os.set_blocking(self.in_fd, False)
        os.set_blocking(self.out_fd, False)
        self.hello: dict[str, Any] = {}

    def wait_hello(self, timeout: float) -> dict[str, Any]:
        """The worker's start-up report (raises ``WorkerLost`` if it never comes)."""
        kind, frame = recv_frame(self.out_fd, time.monotonic() + timeout)
        if kind is not Recv.FRAME or frame is None:
            self.kill()
            raise WorkerLost(f"worker {self.config.slot} did not start ({kind.value})")
        self.hello = json.loads(frame)
        return self.hello

    def judge(self, header: bytes, test: bytes, timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one job, wait for its result and the test report."""
        deadline = time.monotonic() + timeout
        payload = len(header).to_bytes(4, "big") + header + test
        if send_bytes(self.in_fd, payload, deadline) is not Recv.FRAME:
            raise WorkerLost("could not send the job")
        kind, frame = recv_frame(self.out_fd, deadline)
        if kind is not Recv.FRAME or frame is None:
            raise WorkerLost(f"no result ({kind.value})")
        kind, report = recv_frame(self.out_fd, deadline)
        if kind is not Recv.FRAME or report is None:
            raise WorkerLost(f"no report ({kind.value})")
        return json.loads(frame), bytes(report)

    def alive(self) -> bool:
        """Whether the worker process is still running."""
        return self.proc.poll() is None

    def pids(self) -> list[int]:
        """This worker's processes on the host (the outer one and its descendants)."""
        found = [self.proc.pid]
        i = 0
        while i < len(found):
            try:
                with open(f"/proc/{found[i]}/task/{found[i]}/children") as fh:
                    found.extend(int(p) for p in fh.read().split())
            except OSError:
                pass
            i += 1
        return found

    def close(self, timeout: float = 2.0) -> None:
        """Ask the worker to stop (end of its stdin), then kill it if it lingers."""
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Kill the worker; the kernel then kills everything in its PID namespace."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class _Job:
    __slots__ = ("future", "request")

    def __init__(self, request: JudgeRequest) -> None:
        self.request = request
        self.future: Future[JudgeResult] = Future()


class SandboxPool:
    """A pool of sandbox workers (default: one per core).

    ``require_isolation`` (default: ``SANDBOX_REQUIRE_ISOLATION``) makes a missing layer an
    error at start; otherwise the pool falls back to the layers that work and says so in a
    warning and in every verdict's ``isolation``. ``output_limit_bytes`` caps what a program
    may write per stream (the rest is dropped); ``scratch_mb`` sizes each private tmpfs."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        require_isolation: bool | None = None,
        namespaces: bool = True,
        scratch_mb: int = 64,
        output_limit_bytes: int = 1 << 20,
        processes: int = 64,
    ) -> None:
        count = workers if workers is not None else len(os.sched_getaffinity(0))
        if not 1 <= count <= _MAX_SLOTS:
            raise ValueError(f"workers must be in [1, {_MAX_SLOTS}], got {count}")
        if require_isolation is None:
            require_isolation = isolation.require_isolation_from_env()
        self.size = count
        self._uid_base = _uid_base()
        self._settings = {
            "scratch_mb": scratch_mb,
            "output_limit": output_limit_bytes,
            "processes": processes,
        }
        self._namespaces = namespaces
        self._lock = threading.Lock()
        self._closed = False
        self._workers: list[_Worker | None] = [None] * count
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.report = self._start_all()
        if not self.report.complete:
            message = f"sandbox isolation is incomplete: missing {self.report.missing} ({self.report.errors})"
            if require_isolation:
                self.close()
                raise IsolationError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            log.warning(message)
        self._threads = [
            threading.Thread(target=self._slot_loop, args=(slot,), daemon=True, name=f"sandbox-slot-{slot}")
            for slot in range(count)
        ]
        for thread in self._threads:
            thread.start()

    # --- workers -------------------------------------------------------------------------

    def _config(self, slot: int) -> WorkerConfig:
        uid = self._uid_base + 2 * slot
        return WorkerConfig(
            slot=slot, uid=uid, test_uid=uid + 1, namespaces=self._namespaces, **self._settings
        )

    def _start_all(self) -> IsolationReport:
        refusal = None
        started, hellos = self._start_workers()
        if any(not h.get("ok") for h in hellos):
            # No privilege for namespaces: fall back for every slot, and say why.
            refusal = next(str(h.get("error")) for h in hellos if not h.get("ok"))
            for worker in started:
                worker.close()
            self._namespaces = False
            started, hellos = self._start_workers()
            if any(not h.get("ok") for h in hellos):
                for worker in started:
                    worker.close()
                raise IsolationError(f"sandbox workers failed to start: {hellos}")
        self._workers = list(started)
        errors = dict(hellos[0].get("errors", {}))
        if refusal is not None:
            errors["namespaces"] = refusal
        return IsolationReport(layers=dict(hellos[0]["layers"]), errors=errors)

    def _start_workers(self) -> tuple[list[_Worker], list[dict[str, Any]]]:
        started = [_Worker(self._config(slot)) for slot in range(self.size)]
        try:
            return started, [w.wait_hello(_START_TIMEOUT_S) for w in started]
        except WorkerLost:
            for worker in started:
                worker.kill()
            raise

    def _worker(self, slot: int) -> _Worker:
        worker = self._workers[slot]
        if worker is None or not worker.alive():
            if worker is not None:
                worker.kill()
            worker = _Worker(self._config(slot))
            hello = worker.wait_hello(_START_TIMEOUT_S)
            if not hello.get("ok") or hello.get("layers") != self.report.layers:
                worker.kill()
                raise WorkerLost(f"replacement worker came up differently: {hello}")
            self._workers[slot] = worker
        return worker

    # --- jobs ----------------------------------------------------------------------------

    def _slot_loop(self, slot: int) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run(slot, job.request))
            except BaseException as exc:
                job.future.set_exception(exc)

    def _run(self, slot: int, request: JudgeRequest) -> JudgeResult:
        problem = validate_cases(request)
        if problem is not None:
            return JudgeResult(
                verdict=Verdict.ERROR,
                error=f"judge error: {problem}",
                isolation=self.isolation,
                id=request.id,
            )
        header = json.dumps(
            {
                "op": "judge",
                "program": request.program,
                "entry_point": request.entry_point,
                "calls": [
                    {"args": c.get("args", []), "kwargs": c.get("kwargs", {})} for c in request.cases or []
                ],
                "timeout_s": request.timeout_s,
                "memory_mb": request.memory_mb,
                "test_setup": request.test_setup,
                "test_len": len(request.test.encode()) if request.test is not None else 0,
            }
        ).encode()
        test = request.test.encode() if request.test is not None else b""
        lost = ""
        for _attempt in range(2):  # one retry on a fresh worker
            try:
                worker = self._worker(slot)
                raw, report = worker.judge(header, test, request.timeout_s + _WORKER_GRACE_S)
            except (WorkerLost, OSError, ValueError) as exc:
                lost = str(exc)
                log.warning("sandbox worker %d lost: %s", slot, exc)
                stale = self._workers[slot]
                if stale is not None:
                    stale.kill()
                self._workers[slot] = None
                continue
            return judge_result(request, raw, report, self.isolation)
        return JudgeResult(
            verdict=Verdict.CRASHED,
            isolation=self.isolation,
            id=request.id,
            error=f"the sandbox worker died while judging this program: {lost}",
        )

    def submit(self, request: JudgeRequest | dict[str, Any]) -> Future[JudgeResult]:
        """Queue one request; the future resolves to its result."""
        if isinstance(request, dict):
            request = JudgeRequest.from_dict(request)
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox pool is closed")
            job = _Job(request)
            self._queue.put(job)
        return job.future

    def judge_batch(self, requests: Iterable[JudgeRequest | dict[str, Any]]) -> list[JudgeResult]:
        """Judge every request (in parallel across workers); results in request order."""
        futures = [self.submit(r) for r in requests]
        return [f.result() for f in futures]

    def judge(self, request: JudgeRequest | dict[str, Any]) -> JudgeResult:
        """Judge one request."""
        return self.submit(request).result()

    # --- state ---------------------------------------------------------------------------

    @property
    def isolation(self) -> str:
        """Active layers, e.g. ``namespaces+seccomp+uid+rlimits``."""
        return self.report.summary

    def health(self) -> dict[str, Any]:
        """``{"ok", "status", "isolation", "workers", "workers_alive", "layers", "errors"}``.

        ``status`` is ``ok`` when every worker is alive, ``degraded`` when one is dead (its
        slot starts a new one for its next program, so judging goes on at reduced width),
        ``down`` when the pool is closed; ``ok`` is true only for ``ok``."""
        alive = sum(1 for w in self._workers if w is not None and w.alive())
        if self._closed:
            status = "down"
        elif alive < self.size:
            status = "degraded"
        else:
            status = "ok"
        return {
            "ok": status == "ok",
            "status": status,
            "isolation": self.isolation,
            "workers": self.size,
            "workers_alive": alive,
            "layers": self.report.layers,
            "errors": self.report.errors,
        }

    @property
    def uids(self) -> list[int]:
        """Every uid this pool runs programs and tests under (two per worker slot)."""
        return list(range(self._uid_base, self._uid_base + 2 * self.size))

    def candidate_uids(self) -> list[int]:
        """The uids programs run under (one per worker slot)."""
        return self.uids[::2]

    def worker_pids(self) -> list[int]:
        """Host pids of every worker process and their current children."""
        return [pid for w in self._workers if w is not None for pid in w.pids()]

    def close(self) -> None:
        """Stop the workers; queued jobs still finish first."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for _ in getattr(self, "_threads", []):
            self._queue.put(None)
        for thread in getattr(self, "_threads", []):
            thread.join()
        for worker in self._workers:
            if worker is not None:
                worker.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def isolation_probe() -> IsolationReport:
    """Start one worker, report which isolation layers it could set up, and stop it."""
    uid = _uid_base()
    config = WorkerConfig(slot=0, uid=uid, test_uid=uid + 1)
    worker = _Worker(config)
    try:
        hello = worker.wait_hello(_START_TIMEOUT_S)
        if hello.get("ok"):
            return IsolationReport(layers=dict(hello["layers"]), errors=dict(hello["errors"]))
        error = str(hello.get("error"))
    finally:
        worker.close()
    worker = _Worker(config._replace(namespaces=False))
    try:
        hello = worker.wait_hello(_START_TIMEOUT_S)
        errors = {**hello.get("errors", {}), "namespaces": error}
        return IsolationReport(layers=dict(hello.get("layers", {})), errors=errors)
    finally:
        worker.close()

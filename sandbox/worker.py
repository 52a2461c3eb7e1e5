"""A sandbox worker: a small process that sets up its isolation once, then forks one
sandboxed child per program, plus one long-lived test process for assert-style tests.

Started by the pool as a fresh interpreter (``python -I -S``), never forked from the pool's
process: the pool may be a web or trainer process holding secrets and hundreds of MB. It
pre-imports the standard library a program is likely to need, so a forked child starts
warm, and imports little else, since every resident page makes each fork slower. With
namespaces, it is PID 1 of its own PID namespace: after each program it kills every other
process of the namespace but the test process, until none is left, so nothing a program
started survives it; if the worker dies, the kernel kills everything below it.

Protocol with the pool, over the worker's stdin and stdout (``sandbox.protocol`` frames):
one hello frame at start; then per program a JSON header (``op: judge``, never an
expected value), followed by ``test_len`` raw bytes of test source; the worker answers
with a JSON result frame and a frame holding the test process's raw report (possibly
empty). The test source is read only after the candidate has been forked, and wiped once
handed to the test process, so no candidate ever has a test in its memory.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import fcntl
import gc
import importlib
import json
import math
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

from sandbox import harness, layers, sysapi
from sandbox.layers import Limits
from sandbox.output import read_trimmed
from sandbox.protocol import (
    HEADER,
    Recv,
    read_exact_into,
    read_frame,
    recv_frame,
    send_bytes,
    send_frame,
    write_frame,
    write_frames,
)
from sandbox.seccomp import LoadedFilter, build_filter

#: Imported once in the worker so that programs using them start without disk reads. Short
#: on purpose: each module makes every fork slower (hashlib alone adds 4 MB resident).
PRELOAD = (
    "typing",
    "re",
    "collections",
    "math",
    "itertools",
    "functools",
    "string",
    "random",
    "heapq",
    "bisect",
)
MAX_REPORT = 1 << 20
#: A fresh test process after this many tests (bounds any drift of module state).
TESTER_JOBS = 500
#: How long the test process may take to notice that the candidate died.
_GONE_GRACE_S = 0.5


class WorkerConfig(NamedTuple):
    """What the pool tells a worker at start (JSON in ``argv[1]``)."""

    slot: int
    uid: int  # the candidate's uid
    test_uid: int  # the test process's uid
    namespaces: bool = True
    scratch_mb: int = 64
    output_limit: int = 1 << 20  # bytes kept per stream; the rest is dropped
    processes: int = 64  # RLIMIT_NPROC of each uid (threads count)
    open_files: int = 256


def main() -> None:
    """Entry point of a worker process."""
    config = WorkerConfig(**json.loads(sys.argv[1]))
    # The protocol lives on private fds; 0 and 1 become /dev/null and stderr so that a stray
    # print in this process cannot corrupt it.
    job_fd, out_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    for name in PRELOAD:
        importlib.import_module(name)
    # The venv's path is not inside the private root, the interpreter it links to is: what a
    # program starts with sys.executable (multiprocessing's helpers) must exist there.
    sys.executable = os.path.realpath(sys.executable)
    if config.namespaces:
        try:
            layers.enter_namespaces()
        except OSError as exc:
            _refuse(out_fd, f"unshare: {exc}")
        pid = os.fork()
        if pid:
            os.close(job_fd)
            os.close(out_fd)
            _wait_and_exit(pid)
        sysapi.prctl(sysapi.PR_SET_PDEATHSIG, signal.SIGKILL)
        try:
            layers.build_private_root(layers.python_dirs(), config.scratch_mb)
        except OSError as exc:
            _refuse(out_fd, f"private root: {exc}")
    else:
        # Orphans of a program must come back to us to be reaped and killed.
        sysapi.prctl(sysapi.PR_SET_CHILD_SUBREAPER, 1)
    worker = Worker(config, job_fd, out_fd)
    hello = worker.probe()
    # Everything allocated so far lives as long as the worker: keep the collector (ours and
    # every forked child's) from walking it, which would also copy its pages into the child.
    gc.freeze()
    write_frame(out_fd, json.dumps({"hello": True, "ok": True, **hello}).encode())
    worker.serve()
    os._exit(0)


def _refuse(out_fd: int, error: str) -> None:
    write_frame(
        out_fd, json.dumps({"hello": True, "ok": False, "layer": "namespaces", "error": error}).encode()
    )
    os._exit(3)


def _wait_and_exit(pid: int) -> None:
    """The process outside the PID namespace: lives as long as the worker inside it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            os._exit(1)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


class _Tester(NamedTuple):
    pid: int
    pidfd: int
    channel: socket.socket  # our end of the socket pair, non-blocking

    @property
    def sock(self) -> int:
        return self.channel.fileno()


class Worker:
    """The job loop and the per-program process management."""

    def __init__(self, config: WorkerConfig, job_fd: int, out_fd: int) -> None:
        self.config, self.job_fd, self.out_fd = config, job_fd, out_fd
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.seccomp: LoadedFilter | None = None
        self.use_uid = False
        self.tester: _Tester | None = None
        self.tester_jobs = 0
        self.tester_memory_mb = 0

    # --- start-up ------------------------------------------------------------------------

    def probe(self) -> dict[str, Any]:
        """Check each layer once, in a throwaway child; keep the ones that work."""
        active = {"namespaces": self.config.namespaces, "rlimits": True}
        errors: dict[str, str] = {}
        if not self.config.namespaces:
            errors["namespaces"] = "disabled (no privilege to unshare)"
        if os.geteuid() != 0:
            errors["uid"] = "not running as root, cannot switch to a sandbox uid"
        elif self._probe_child(lambda: os.getuid() == self.config.uid, drop=True):
            self.use_uid = True
        else:
            errors["uid"] = "setuid to the sandbox uid failed"
        active["uid"] = self.use_uid
        try:
            candidate_filter = LoadedFilter(build_filter())
        except OSError as exc:
            errors["seccomp"] = str(exc)
        else:
            probe = lambda: _seccomp_blocks_unshare(candidate_filter)  # noqa: E731
            if self._probe_child(probe, drop=self.use_uid):
                self.seccomp = candidate_filter
            else:
                errors["seccomp"] = "the filter did not load"
        active["seccomp"] = self.seccomp is not None
        return {"layers": active, "errors": errors}

    def _probe_child(self, check: Callable[[], bool], drop: bool) -> bool:
        pid = os.fork()
        if pid == 0:
            ok = False
            try:
                if drop:
                    layers.drop_privileges(self.config.uid)
                ok = check()
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    # --- the loop ------------------------------------------------------------------------

    def serve(self) -> None:
        """Answer jobs until the pool closes our stdin."""
        while True:
            frame = read_frame(self.job_fd)
            if frame is None:
                return
            header = json.loads(frame)
            if header.get("op") == "ping":
                write_frame(self.out_fd, b'{"pong": true}')
                continue
            result, report = self.judge(header)
            write_frames(self.out_fd, [json.dumps(result).encode(), report])
            _wipe(report)

    # --- one program ---------------------------------------------------------------------

    def judge(self, job: dict[str, Any]) -> tuple[dict[str, Any], bytearray]:
        """Run one program; returns the result and the test's raw report (or empty)."""
        start = time.monotonic()
        deadline = start + float(job["timeout_s"])
        limits = Limits(
            memory_mb=int(job["memory_mb"]),
            cpu_s=math.ceil(float(job["timeout_s"])) + 1,
            file_bytes=self.config.output_limit + (1 << 20),
            open_files=self.config.open_files,
            processes=self.config.processes,
        )
        out_fd, err_fd = os.memfd_create("stdout"), os.memfd_create("stderr")
        candidate, req_w, rep_r, pidfd = self._start_candidate(job, limits, out_fd, err_fd)
        result: dict[str, Any] = {
            "load": "died",
            "message": None,
            "calls": [],
            "call_ms": [],
            "stopped": None,
            "test": None,
            "exit": None,
        }
        self._load(result, rep_r, deadline, pidfd)
        if result["load"] == "ok":
            self._calls(result, job["calls"], req_w, rep_r, deadline, pidfd)
        report = self._receive_and_test(result, job, limits, req_w, rep_r, pidfd, deadline)
        self._reap_candidate(result, candidate, pidfd, report)
        for fd in (pidfd, req_w, rep_r):
            os.close(fd)
        result["stdout"] = read_trimmed(out_fd)
        result["stderr"] = read_trimmed(err_fd)
        os.close(out_fd)
        os.close(err_fd)
        if self.config.namespaces:
            layers.reset_scratch(self.config.scratch_mb)
        result["duration_s"] = time.monotonic() - start
        return result, report

    def _start_candidate(
        self, job: dict[str, Any], limits: Limits, out_fd: int, err_fd: int
    ) -> tuple[int, int, int, int]:
        """Fork the candidate under ``limits`` with its request and report pipes; returns
        ``(pid, our request end, our report end, pidfd)``, our ends non-blocking."""
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        program, entry_point = str(job["program"]), str(job["entry_point"])
        output_limit = self.config.output_limit
        candidate = self._spawn(
            self.config.uid,
            limits,
            [self.devnull, out_fd, err_fd, req_r, rep_w],
            True,
            lambda: harness.run_candidate_side(program, entry_point, 3, 4, output_limit),
        )
        os.close(req_r)
        os.close(rep_w)
        os.set_blocking(req_w, False)
        os.set_blocking(rep_r, False)
        return candidate, req_w, rep_r, os.pidfd_open(candidate)

    def _receive_and_test(
        self,
        result: dict[str, Any],
        job: dict[str, Any],
        limits: Limits,
        req_w: int,
        rep_r: int,
        pidfd: int,
        deadline: float,
    ) -> bytearray:
        """Read the job's test source that follows its header (always, to keep the stream
        in step) and run it when the program loaded and every call answered; the report,
        or empty. The source is wiped either way."""
        test_len = int(job.get("test_len", 0))
        if not test_len:
            return bytearray()
        source = bytearray(test_len)
        try:
            if not read_exact_into(self.job_fd, source):
                os._exit(0)  # the pool is gone
            if result["load"] == "ok" and result["stopped"] is None:
                return self._test(result, source, job, limits, req_w, rep_r, pidfd, deadline)
        finally:
            _wipe(source)
        return bytearray()

    def _reap_candidate(self, result: dict[str, Any], candidate: int, pidfd: int, report: bytearray) -> None:
        """Kill what is left of the candidate; record how it exited when it ended on its own,
        and its peak memory."""
        # A closed channel comes before the exit is visible on the pidfd: give it a moment.
        channel_lost = (
            result["load"] == "died" or result["stopped"] == "died" or b'"status": "gone"' in report
        )
        exited_early = _has_exited(pidfd, 0.05 if channel_lost else 0.0)
        reaped = self._kill_all(candidate, pidfd)
        status = reaped.get(candidate)
        if exited_early and status is not None:
            result["exit"] = _describe_status(status[0])
        result["rss_kb"] = status[1].ru_maxrss if status is not None else None

    def _load(self, result: dict[str, Any], rep_r: int, deadline: float, pidfd: int) -> None:
        kind, frame = recv_frame(rep_r, deadline, pidfd, 1 << 16)
        if kind is Recv.TIMEOUT:
            result["load"] = "timeout"
        if kind is not Recv.FRAME or frame is None:
            return
        try:
            ready = json.loads(frame)
            result["load"] = "ok" if ready["ok"] is True else str(ready["kind"])
            result["message"] = None if ready["ok"] is True else str(ready["message"])
        except (ValueError, KeyError, TypeError, AttributeError):
            result["load"], result["message"] = "error", "the program corrupted the harness channel"

    def _calls(
        self, result: dict[str, Any], calls: list[Any], req_w: int, rep_r: int, deadline: float, pidfd: int
    ) -> None:
        replies: list[str] = result["calls"]
        times: list[float] = result["call_ms"]
        for call in calls:
            began = time.monotonic()
            sent = send_frame(req_w, json.dumps(call).encode(), deadline, pidfd)
            if sent is not Recv.FRAME:
                result["stopped"] = "timeout" if sent is Recv.TIMEOUT else "died"
                return
            kind, frame = recv_frame(rep_r, deadline, pidfd, harness.MAX_REPLY)
            if kind is not Recv.FRAME or frame is None:
                result["stopped"] = {Recv.TIMEOUT: "timeout", Recv.TOO_BIG: "too_big"}.get(kind, "died")
                return
            replies.append(frame.decode("utf-8", errors="replace"))
            # From sending the arguments to reading the value: the call as the judge sees it.
            times.append(round((time.monotonic() - began) * 1000, 3))

    # --- the test process ----------------------------------------------------------------

    def _test(
        self,
        result: dict[str, Any],
        source: bytearray,
        job: dict[str, Any],
        limits: Limits,
        req_w: int,
        rep_r: int,
        pidfd: int,
        deadline: float,
    ) -> bytearray:
        if self.tester is not None and self.tester_memory_mb != limits.memory_mb:
            # Its address-space limit was set when it started; raising another process's
            # limit needs CAP_SYS_RESOURCE, which containers often lack. Start afresh.
            self._stop_tester()
        tester = self._ensure_tester(limits)
        began = time.monotonic()
        header = json.dumps(
            {
                "test_setup": job.get("test_setup"),
                "test_len": len(source),
                "entry_point": str(job["entry_point"]),
            }
        ).encode()
        # The descriptors, the header and as much of the source as the socket takes go in
        # one message (the test process wakes once), the rest after; no copy of the source.
        parts = [memoryview(b"J" + HEADER.pack(len(header)) + header), memoryview(source)]
        fds = array.array("i", [req_w, rep_r, pidfd])
        try:
            written = tester.channel.sendmsg(parts, [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        except OSError:
            self._stop_tester()
            result["test"] = "died"
            return bytearray()
        sent = Recv.FRAME
        for part in parts:
            if sent is Recv.FRAME and written < len(part):
                sent = send_bytes(tester.sock, part[written:], deadline, tester.pidfd)
            written = max(0, written - len(part))
        del parts
        _wipe(source)
        kind, frame = Recv.TIMEOUT if sent is Recv.TIMEOUT else Recv.DEAD, None
        if sent is Recv.FRAME:
            kind, frame = self._wait_report(tester, pidfd, deadline)
            result["test_ms"] = round((time.monotonic() - began) * 1000, 3)
        self.tester_jobs += 1
        if kind is Recv.FRAME and frame is not None:
            result["test"] = "report"
            if b'"judge_error"' in frame or self.tester_jobs >= TESTER_JOBS:
                self._stop_tester()
            return frame
        self._stop_tester()  # mid-test: its state is unknown
        result["test"] = "timeout" if kind is Recv.TIMEOUT else "died"
        return bytearray()

    def _wait_report(self, tester: _Tester, pidfd: int, deadline: float) -> tuple[Recv, bytearray | None]:
        """The report, or how waiting for it ended. If the candidate dies while a process
        it left behind holds its pipe, the test never sees the end of the stream; so once
        the candidate is gone, the test gets a short grace, then counts as "gone"."""
        kind, frame = recv_frame(tester.sock, deadline, pidfd, MAX_REPORT)
        if kind is not Recv.DEAD:
            return kind, frame
        grace = min(deadline, time.monotonic() + _GONE_GRACE_S)
        kind, frame = recv_frame(tester.sock, grace, tester.pidfd, MAX_REPORT)
        if kind is Recv.TIMEOUT and time.monotonic() < deadline:
            gone = {"status": "gone", "message": "the candidate process ended during a call"}
            return Recv.FRAME, bytearray(json.dumps(gone).encode())
        return kind, frame

    def _ensure_tester(self, limits: Limits) -> _Tester:
        if self.tester is not None:
            return self.tester
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        tester_limits = limits._replace(cpu_s=1 << 30)  # long-lived: the wall clock bounds it
        theirs_fd = theirs.detach()
        pid = self._spawn(
            self.config.test_uid,
            tester_limits,
            [self.devnull, self.devnull, self.devnull, theirs_fd],
            False,
            lambda: harness.run_tester(3),
        )
        os.close(theirs_fd)
        ours.setblocking(False)
        self.tester = _Tester(pid, os.pidfd_open(pid), ours)
        self.tester_jobs = 0
        self.tester_memory_mb = limits.memory_mb
        return self.tester

    def _stop_tester(self, reaped: bool = False) -> None:
        tester, self.tester = self.tester, None
        if tester is None:
            return
        if not reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(tester.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(tester.pid, 0)
        os.close(tester.pidfd)
        tester.channel.close()

    # --- processes -----------------------------------------------------------------------

    def _spawn(
        self, uid: int, limits: Limits, fds: list[int], dumpable: bool, target: Callable[[], None]
    ) -> int:
        """Fork a sandboxed child: ``fds`` become its 0..n-1, then limits, uid, seccomp."""
        pid = os.fork()
        if pid:
            return pid
        code = 70
        try:
            os.setsid()
            moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
            for number, fd in enumerate(moved):
                os.dup2(fd, number)
            os.closerange(len(fds), 1 << 16)
            layers.apply_limits(limits)
            if self.use_uid:
                layers.drop_privileges(uid)
            # setuid made us non-dumpable; the candidate gets that back (so it can read its
            # own /proc/self), the test process keeps it (nothing may read its memory).
            sysapi.prctl(sysapi.PR_SET_DUMPABLE, 1 if dumpable else 0)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if self.seccomp is not None:
                self.seccomp.apply()
            target()
            code = 0
        except BaseException:
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        finally:
            harness.flush_streams()
            os._exit(code)

    def _kill_all(self, candidate: int, pidfd: int) -> dict[int, tuple[int, Any]]:
        """Kill every process the program started, until none is left, and reap them;
        the candidate's status when it was reaped."""
        reaped: dict[int, tuple[int, Any]] = {}
        for attempt in range(100_000):
            if attempt == 1000 and self.tester is not None:
                self._stop_tester()  # a test that forked: its zombies are not ours to reap
            keep = {1} if self.tester is None else {1, self.tester.pid}
            if self.config.namespaces:
                # Our own /proc lists only this namespace: any pid but ours and the test
                # process's is the program's doing (zombies stay listed until reaped).
                victims = [p for p in _namespace_pids() if p not in keep]
            else:
                victims = _live_pids_of({self.config.uid}) if self.use_uid else []
                if candidate not in reaped and candidate not in victims:
                    victims.append(candidate)
                if not self.use_uid:  # weakest case: only its process group can be found
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(candidate, signal.SIGKILL)
            if not victims:
                break
            for pid in victims:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if candidate not in reaped:
                select.select([pidfd], [], [], 0.05)  # usually the only one: wait for it
            if not _reap(reaped):
                time.sleep(0.0001)  # killed, not yet dead (or not yet reparented to us)
        else:
            sys.stderr.write("sandbox worker: processes survived the kill sweep\n")
        _reap(reaped)
        if self.tester is not None and self.tester.pid in reaped:  # it died on its own
            self._stop_tester(reaped=True)
        return {candidate: reaped[candidate]} if candidate in reaped else {}


def _seccomp_blocks_unshare(loaded: LoadedFilter) -> bool:
    loaded.apply()
    try:
        sysapi.unshare(0)
    except OSError:
        return True
    return False


def _namespace_pids() -> list[int]:
    """Pids in our /proc, zombies included until reaped (they are our children then)."""
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _live_pids_of(uids: set[int]) -> list[int]:
    """Processes (not zombies) whose real uid is in ``uids``, from the host's /proc."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                status = fh.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "-1 0").split()[0])
        if uid in uids and not fields.get("State", "").strip().startswith(("Z", "X")):
            found.append(int(name))
    return found


def _reap(reaped: dict[int, tuple[int, Any]]) -> bool:
    """Reap every exited child (never blocking); True if any was reaped."""
    any_reaped = False
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return any_reaped
        if pid == 0:
            return any_reaped
        reaped[pid] = (status, usage)
        any_reaped = True


def _has_exited(pidfd: int, wait_s: float = 0.0) -> bool:
    ready, _, _ = select.select([pidfd], [], [], wait_s)
    return bool(ready)


def _describe_status(status: int) -> dict[str, int | None]:
    if os.WIFSIGNALED(status):
        return {"code": None, "signal": os.WTERMSIG(status)}
    return {"code": os.WEXITSTATUS(status), "signal": None}


def _wipe(buffer: bytearray) -> None:
    """Overwrite a buffer in place (a test's source must not outlive its hand-over)."""
    if buffer:
        ctypes.memset((ctypes.c_char * len(buffer)).from_buffer(buffer), 0, len(buffer))


if __name__ == "__main__":
    main()

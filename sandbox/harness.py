"""What runs inside the sandboxed processes, after the worker has applied every layer.

Two processes per program, under two different uids:
- the *candidate* process loads the program and answers calls: it reads the arguments of
  one call, calls the entry point, and writes back the value as plain tagged JSON (or the
  exception). It never receives an expected value or a line of the test.
- the *test* process (assert-style tests only) runs the problem's test, handing it a proxy
  in place of the candidate function; the proxy forwards calls to the candidate process.
  Its verdict goes to the worker through a pipe the candidate never holds; "passed" is
  written only after ``check(candidate)`` returned, which is the positive signal a pass
  needs. Exit codes and stdout count for nothing.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import linecache
import os
import random
import socket
import sys
import time
import traceback
import types
from typing import Any, NoReturn

from sandbox import codec
from sandbox.output import capped_text
from sandbox.protocol import Recv, read_exact_into, read_frame, recv_frame, write_frame

CANDIDATE_FILE = "<candidate>"
TEST_FILE = "<test>"
MAX_REPLY = 16 << 20
MAX_MESSAGE = 2000


def _setup_process(output_limit: int) -> None:
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115  # /dev/null, process-long
    sys.stdout = capped_text(1, output_limit)
    sys.stderr = capped_text(2, output_limit)
    sys.argv = ["candidate"]
    sys.dont_write_bytecode = True
    random.seed()  # forked children would otherwise share the worker's random state
    with contextlib.suppress(OSError):
        os.chdir("/tmp")


def flush_streams() -> None:
    """Flush the program's output before the process reports or ends (it ends with
    ``os._exit``, which flushes nothing)."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except BaseException:  # the program may have broken its streams
            pass


def _send(fd: int, message: dict[str, Any]) -> None:
    write_frame(fd, json.dumps(message, allow_nan=False).encode())


def describe(exc: BaseException, filename: str = CANDIDATE_FILE) -> str:
    """``Type: message (line N)``, N being the last line of ``filename`` in the traceback."""
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable>"
    name = type(exc).__name__
    line = _last_line(exc, filename)
    where = f" (line {line})" if line else ""
    out = f"{name}: {text}{where}" if text else f"{name}{where}"
    return out[:MAX_MESSAGE]


def _last_line(exc: BaseException, filename: str) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def run_candidate_side(program: str, entry_point: str, req_fd: int, rep_fd: int, output_limit: int) -> None:
    """Load the program, report readiness, then answer calls until the caller hangs up."""
    _setup_process(output_limit)
    try:
        code = compile(program, CANDIDATE_FILE, "exec", dont_inherit=True)
    except SyntaxError as exc:
        _send(rep_fd, {"ok": False, "kind": "syntax_error", "message": f"line {exc.lineno}: {exc.msg}"})
        return
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        _send(
            rep_fd, {"ok": False, "kind": "syntax_error", "message": f"line 1: {type(exc).__name__}: {exc}"}
        )
        return
    linecache.cache[CANDIDATE_FILE] = (len(program), None, program.splitlines(True), CANDIDATE_FILE)
    # A real module (not "__main__", so a main guard stays off), registered so that pickle
    # finds the program's functions (multiprocessing in a program).
    module = types.ModuleType("__candidate__")
    module.__file__ = CANDIDATE_FILE
    sys.modules["__candidate__"] = module
    namespace: dict[str, Any] = module.__dict__
    failure = _load(code, namespace)
    del code
    function = namespace.get(entry_point) if entry_point else None
    if failure is None and entry_point and not callable(function):
        failure = {"kind": "error", "message": f"entry point {entry_point!r} is not defined"}
    flush_streams()
    if failure is not None:
        _send(rep_fd, {"ok": False, **failure})
        return
    _send(rep_fd, {"ok": True})
    if function is not None:
        _serve(function, req_fd, rep_fd)


def _load(code: Any, namespace: dict[str, Any]) -> dict[str, str] | None:
    try:
        exec(code, namespace)
    except SystemExit as exc:
        return {"kind": "error", "message": f"SystemExit({exc.code!r}) at module level"}
    except MemoryError:
        return {"kind": "oom", "message": "MemoryError while loading the program"}
    except BaseException as exc:
        traceback.print_exc()
        return {"kind": "error", "message": describe(exc)}
    return None


def _serve(function: Any, req_fd: int, rep_fd: int) -> None:
    while True:
        frame = read_frame(req_fd, MAX_REPLY)
        if frame is None:
            return
        call = json.loads(frame)
        del frame
        reply = _call(function, codec.decode(call["args"]), codec.decode(call.get("kwargs") or {}))
        flush_streams()
        write_frame(rep_fd, reply)


def _call(function: Any, args: list[Any], kwargs: dict[str, Any]) -> bytes:
    try:
        value = function(*args, **kwargs)
    except SystemExit as exc:
        return _reply_error("exit", "SystemExit", f"SystemExit({exc.code!r}) raised in the call")
    except MemoryError:
        return _reply_error("oom", "MemoryError", "MemoryError")
    except BaseException as exc:
        traceback.print_exc()
        return _reply_error("raised", type(exc).__name__, describe(exc))
    try:
        return json.dumps({"ok": True, "value": codec.encode(value)}, allow_nan=False).encode()
    except (codec.NonPlainValueError, RecursionError, ValueError) as exc:
        return _reply_error("nonplain", "TypeError", f"returned a non-plain value: {exc}")
    except MemoryError:
        return _reply_error("oom", "MemoryError", "MemoryError while encoding the result")


def _reply_error(kind: str, type_name: str, message: str) -> bytes:
    return json.dumps({"ok": False, "kind": kind, "type": type_name, "error": message}).encode()


# --- the test's side -------------------------------------------------------------------


class CandidateViolation(BaseException):  # not an error of the test's own code
    """The candidate did something no test may excuse (exited, died, returned a non-plain
    value, ran out of memory). A ``BaseException``, so ``except Exception`` in a test does
    not swallow it; the proxy also remembers it, so even a bare ``except`` cannot."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class CandidateProxy:
    """Stands in for the candidate function inside the test: forwards each call to the
    candidate process and returns its (plain) value, or raises its exception mirrored as
    the builtin type of the same name (``RuntimeError`` otherwise)."""

    def __init__(self, req_fd: int, rep_fd: int, pidfd: int | None) -> None:
        self._req_fd, self._rep_fd, self._pidfd = req_fd, rep_fd, pidfd
        self.violation: CandidateViolation | None = None
        self.calls = 0
        # These descriptions are shared with the worker, which set them non-blocking.
        os.set_blocking(req_fd, True)
        os.set_blocking(rep_fd, False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.violation is not None:
            raise self.violation
        self.calls += 1
        try:
            payload = json.dumps(
                {"args": codec.encode(list(args)), "kwargs": codec.encode(kwargs)}, allow_nan=False
            ).encode()
        except (codec.NonPlainValueError, ValueError) as exc:
            raise TypeError(f"the test passed a value the sandbox cannot send: {exc}") from None
        try:
            write_frame(self._req_fd, payload)
        except OSError:
            self._violate("gone", "the candidate process is gone")
        kind, frame = recv_frame(self._rep_fd, time.monotonic() + 1e6, self._pidfd, MAX_REPLY)
        if kind is Recv.TOO_BIG:
            self._violate("error", "the candidate's value is too large")
        if kind is not Recv.FRAME or frame is None:
            self._violate("gone", "the candidate process ended during a call")
        try:
            reply = json.loads(frame)
            if reply["ok"]:
                return codec.decode(reply["value"])
            kind_name, type_name, message = reply["kind"], str(reply["type"]), str(reply["error"])
        except (ValueError, KeyError, TypeError, RecursionError):
            self._violate("error", "the candidate corrupted its reply channel")
        if kind_name == "raised":
            exc_type = getattr(builtins, type_name, None)
            if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
                exc_type = RuntimeError
            error = exc_type(message)
            error._sandbox_from_candidate = True  # type: ignore[attr-defined]
            raise error
        self._violate("crashed" if kind_name == "oom" else "error", message)

    def _violate(self, status: str, message: str) -> NoReturn:
        self.violation = CandidateViolation(status, message)
        raise self.violation


def run_tester(sock_fd: int) -> None:
    """The test process: persistent per worker (forking one per program would double the
    cost of a program), running one test per message until the worker hangs up.

    Each message carries the candidate's call pipes and pidfd (``SCM_RIGHTS``), then a
    header frame and the test's source. A fresh namespace per test; the module state of
    the standard library is shared between tests, as in any test runner."""
    sock = socket.socket(fileno=sock_fd)
    while True:
        _, fds, _, _ = socket.recv_fds(sock, 1, 3)
        if len(fds) != 3:
            return
        header = read_frame(sock_fd)
        if header is None:
            return
        job = json.loads(header)
        source = bytearray(int(job["test_len"]))
        if not read_exact_into(sock_fd, source):
            return
        random.seed()
        report = run_one_test(source, job.get("test_setup"), str(job["entry_point"]), *fds)
        for fd in fds:
            os.close(fd)
        _send(sock_fd, report)


def run_one_test(
    test_source: bytearray, setup: str | None, entry_point: str, req_fd: int, rep_fd: int, pidfd: int | None
) -> dict[str, Any]:
    """Run ``setup`` then the test with the proxy bound to ``entry_point`` (and passed to
    ``check`` when the test defines one); the report."""
    source = test_source.decode("utf-8", errors="replace")
    proxy = CandidateProxy(req_fd, rep_fd, pidfd)
    namespace: dict[str, Any] = {"__name__": "__test__", "__builtins__": builtins}
    if setup:
        try:
            exec(_compiled(setup, "<setup>"), namespace)
        except BaseException as exc:
            return {"status": "judge_error", "message": f"the test setup failed: {describe(exc, '<setup>')}"}
    namespace[entry_point] = proxy
    namespace.setdefault("candidate", proxy)
    report = _run_test(source, namespace, proxy)
    report["calls"] = proxy.calls
    return report


_CODE_CACHE: dict[tuple[str, str], Any] = {}


def _compiled(source: str, filename: str) -> Any:
    """Compile trusted test code once per test process (samples of one problem share it)."""
    key = (source, filename)
    code = _CODE_CACHE.get(key)
    if code is None:
        if len(_CODE_CACHE) >= 256:
            _CODE_CACHE.clear()
        code = _CODE_CACHE[key] = compile(source, filename, "exec", dont_inherit=True)
    return code


def _run_test(source: str, namespace: dict[str, Any], proxy: CandidateProxy) -> dict[str, Any]:
    try:
        exec(_compiled(source, TEST_FILE), namespace)
        check = namespace.get("check")
        if callable(check) and check is not proxy:
            check(proxy)
    except CandidateViolation as exc:
        return {"status": exc.status, "message": exc.message}
    except BaseException as exc:
        if proxy.violation is not None:
            return {"status": proxy.violation.status, "message": proxy.violation.message}
        if getattr(exc, "_sandbox_from_candidate", False):
            return {"status": "error", "message": str(exc)[:MAX_MESSAGE]}
        return {"status": "failed", "message": _test_failure(exc, source)}
    if proxy.violation is not None:  # swallowed by a bare except in the test
        return {"status": proxy.violation.status, "message": proxy.violation.message}
    return {"status": "passed", "message": None}


def _test_failure(exc: BaseException, source: str) -> str:
    line = _last_line(exc, TEST_FILE)
    text = describe(exc, TEST_FILE).rsplit(" (line ", 1)[0] if line else describe(exc, TEST_FILE)
    if line:
        lines = source.splitlines()
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        text = f"{text} at test line {line}: {code}"
    return text[:MAX_MESSAGE]

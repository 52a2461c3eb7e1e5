"""The HTTP face: ``POST /v1/judge_batch`` (JSON list of requests -> JSON list of results)
and ``GET /health``, on the standard library's threaded server.

What a caller cannot do to it (each limit is a :class:`ServiceLimits` field, set from the
environment or the command line):

- judge without the shared token, when ``SANDBOX_TOKEN`` is set (``Authorization: Bearer``);
  and the service refuses to listen beyond loopback without one;
- choose its own limits: ``timeout_s`` and ``memory_mb`` are lowered to the server's
  maxima, and a body, a batch or a case list past its maximum is refused (413/400);
- pile up work: at most ``max_inflight`` batches are judged at once and ``max_queued`` more
  wait their turn; past that the answer is 503 with ``Retry-After`` at once, not a reset;
- hold a thread with a body that never arrives: the whole body must arrive within
  ``read_timeout_s`` (408 otherwise);
- crash it with JSON nested 100,000 deep (a 400 naming the line and column).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import ipaddress
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox import jsonlimit
from sandbox.pool import SandboxPool
from sandbox.types import JudgeRequest, RequestError

log = logging.getLogger(__name__)


class ServiceConfigError(Exception):
    """The service cannot start as configured; the message is one line for a person."""


def _env_number(env: Mapping[str, str], name: str, default: float, *, integer: bool = False) -> Any:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ServiceConfigError(f"{name}={raw!r} is not {kind}") from None
    if value <= 0:
        raise ServiceConfigError(f"{name}={raw!r} must be above 0")
    return value


@dataclasses.dataclass(frozen=True)
class ServiceLimits:
    """The server-side maxima. A request asking for more time or memory gets these instead;
    anything larger than the body, batch or case maxima is refused."""

    max_timeout_s: float = 30.0  # per program; a caller asking for 600 s gets this
    max_memory_mb: int = 1024  # address space per sandboxed process
    max_body_bytes: int = 32 << 20
    max_batch: int = 1024  # programs per request
    max_cases: int = 1000  # native cases per program
    max_inflight: int = 4  # batches judged at once (they share the pool's workers)
    max_queued: int = 64  # batches waiting for a turn; past this, 503
    queue_wait_s: float = 300.0  # a queued batch that waited this long gets a 503
    read_timeout_s: float = 30.0  # the whole request body must arrive within this

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> ServiceLimits:
        """Limits from ``SANDBOX_MAX_TIMEOUT_S``, ``SANDBOX_MAX_MEMORY_MB``,
        ``SANDBOX_MAX_BODY_BYTES``, ``SANDBOX_MAX_BATCH``, ``SANDBOX_MAX_CASES``,
        ``SANDBOX_MAX_INFLIGHT``, ``SANDBOX_MAX_QUEUED``, ``SANDBOX_QUEUE_WAIT_S`` and
        ``SANDBOX_READ_TIMEOUT_S``; ``overrides`` (not ``None``) win over the environment."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = f"SANDBOX_{field.name.upper()}"
            default = field.default
            assert isinstance(default, int | float)
            values[field.name] = _env_number(env, name, default, integer=isinstance(default, int))
        values.update({k: v for k, v in overrides.items() if v is not None})
        limits = cls(**values)
        if limits.max_memory_mb < 64:
            raise ServiceConfigError("SANDBOX_MAX_MEMORY_MB must be at least 64")
        return limits

    def clamp(self, request: JudgeRequest) -> JudgeRequest:
        """The request with its time and memory lowered to the maxima; too many cases is
        a :class:`RequestError`."""
        if request.cases is not None and len(request.cases) > self.max_cases:
            raise RequestError(f"a program may have at most {self.max_cases} cases, not {len(request.cases)}")
        return dataclasses.replace(
            request,
            timeout_s=min(request.timeout_s, self.max_timeout_s),
            memory_mb=min(request.memory_mb, self.max_memory_mb),
        )


class _Admission:
    """At most ``inflight`` batches judged at once, ``queued`` more waiting; the rest are
    turned away at once (the caller retries), so no thread or socket piles up."""

    def __init__(self, inflight: int, queued: int) -> None:
        self._slots = threading.BoundedSemaphore(inflight)
        self._capacity = inflight + queued
        self._admitted = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self._admitted >= self._capacity:
                return False
            self._admitted += 1
            return True

    def wait_turn(self, timeout: float) -> bool:
        return self._slots.acquire(timeout=timeout)

    def done_turn(self) -> None:
        self._slots.release()

    def leave(self) -> None:
        with self._lock:
            self._admitted -= 1

    @property
    def admitted(self) -> int:
        return self._admitted


class SandboxServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to one pool."""

    daemon_threads = True
    # The standard library listens with a backlog of 5: under 50 concurrent connects the
    # kernel reset the rest. Connections now queue in the kernel and are answered (or
    # turned away with a 503) by the admission check.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        pool: SandboxPool,
        *,
        token: str = "",
        limits: ServiceLimits | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.pool = pool
        self.token = token
        self.limits = limits or ServiceLimits()
        self.admission = _Admission(self.limits.max_inflight, self.limits.max_queued)


class _SandboxServer6(SandboxServer):
    address_family = socket.AF_INET6


class _BodyTimeout(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # A socket timeout bounds each read (the request line, headers, an idle keep-alive);
        # _read_body bounds the body as a whole.
        super().setup()
        self.connection.settimeout(self.server.limits.read_timeout_s)

    def do_GET(self) -> None:
        """``/health``: ``status`` is ``ok``, ``degraded`` (a worker is dead) or ``down``."""
        if self.path.split("?")[0] == "/health":
            health = self.server.pool.health()
            health["admitted"] = max(0, self.server.admission.admitted)  # judging or queued
            health["auth"] = bool(self.server.token)
            self._reply(HTTPStatus.OK, health)
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        """``/v1/judge_batch``: a JSON list of requests in, a JSON list of results out."""
        limits = self.server.limits
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"}, close=True)
            return
        if not 0 <= length <= limits.max_body_bytes:
            message = f"the body is {length} bytes; at most {limits.max_body_bytes}"
            self._discard_body(min(length, 1 << 20))
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": message}, close=True)
            return
        if self.path.split("?")[0] != "/v1/judge_batch":
            self._discard_body(length)
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"}, close=True)
            return
        if not self._authorized():
            self._discard_body(length)
            self._reply(
                HTTPStatus.UNAUTHORIZED,
                {"error": "this sandbox needs its token: send Authorization: Bearer <SANDBOX_TOKEN>"},
                close=True,
                headers={"WWW-Authenticate": 'Bearer realm="sandbox"'},
            )
            return
        admission = self.server.admission
        if not admission.enter():
            self._discard_body(length)
            self._busy(f"the sandbox is busy ({admission.admitted} batches admitted); retry shortly")
            return
        try:
            self._judge(length)
        finally:
            admission.leave()

    def _judge(self, length: int) -> None:
        limits = self.server.limits
        try:
            raw = self._read_body(length)
        except _BodyTimeout:
            message = f"the request body did not arrive within {limits.read_timeout_s:g} s"
            self._reply(HTTPStatus.REQUEST_TIMEOUT, {"error": message}, close=True)
            return
        except (OSError, ConnectionError):
            self.close_connection = True
            return
        try:
            body = jsonlimit.loads(raw)
            if not isinstance(body, list):
                raise RequestError("the body must be a JSON list of requests")
            if len(body) > limits.max_batch:
                raise RequestError(f"a batch may hold at most {limits.max_batch} programs, not {len(body)}")
            requests = [limits.clamp(JudgeRequest.from_dict(item)) for item in body]
        except (ValueError, TypeError) as exc:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        admission = self.server.admission
        if not admission.wait_turn(limits.queue_wait_s):
            self._busy(f"the sandbox stayed busy for {limits.queue_wait_s:g} s; retry shortly")
            return
        try:
            results = self.server.pool.judge_batch(requests)
        except RuntimeError as exc:  # the pool is closing (SIGTERM)
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc)}, close=True)
            return
        finally:
            admission.done_turn()
        self._reply(HTTPStatus.OK, [r.to_dict() for r in results])

    def _authorized(self) -> bool:
        token = self.server.token
        if not token:
            return True
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())

    def _read_body(self, length: int, *, keep: bool = True) -> bytes:
        """The whole body, or :class:`_BodyTimeout` when it does not arrive in time (a
        per-read timeout alone lets a client trickle one byte at a time forever)."""
        deadline = time.monotonic() + self.server.limits.read_timeout_s
        chunks: list[bytes] = []
        remaining = length
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _BodyTimeout
            self.connection.settimeout(left)
            try:
                chunk = self.rfile.read1(min(remaining, 1 << 16))
            except TimeoutError:
                raise _BodyTimeout from None
            if not chunk:
                raise ConnectionError("the client closed the connection mid-body")
            if keep:
                chunks.append(chunk)
            remaining -= len(chunk)
        self.connection.settimeout(self.server.limits.read_timeout_s)
        return b"".join(chunks)

    def _discard_body(self, length: int) -> None:
        """Read what the client sends before refusing it: closing a socket with unread
        data makes the kernel send a reset, and the client would never see the answer."""
        with contextlib.suppress(_BodyTimeout, OSError, ConnectionError):
            self._read_body(length, keep=False)

    def _busy(self, message: str) -> None:
        self._reply(
            HTTPStatus.SERVICE_UNAVAILABLE, {"error": message}, close=True, headers={"Retry-After": "1"}
        )

    def _reply(
        self, status: HTTPStatus, data: Any, *, close: bool = False, headers: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            # The body of a refused request may still be unread: close rather than parse it
            # as the next request.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # stdlib's name
        log.debug("%s " + format, self.address_string(), *args)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(host: str, token: str) -> None:
    """Refuse to listen beyond loopback without a token: anyone who can reach the port could
    otherwise run code on this machine."""
    if not token and not is_loopback(host):
        raise ServiceConfigError(
            f"refusing to listen on {host} without SANDBOX_TOKEN; set it (callers send "
            "Authorization: Bearer <token>) or listen on 127.0.0.1"
        )
    if token and len(token) < 16:
        raise ServiceConfigError("SANDBOX_TOKEN is too short; use at least 16 random characters")


def serve(
    host: str,
    port: int,
    workers: int | None = None,
    require_isolation: bool | None = None,
    *,
    token: str | None = None,
    limits: ServiceLimits | None = None,
) -> None:
    """Run the service until SIGTERM or SIGINT. Prints one JSON line with the address.

    ``token`` defaults to ``SANDBOX_TOKEN`` and ``limits`` to :meth:`ServiceLimits.from_env`;
    :class:`ServiceConfigError` when they do not allow starting."""
    token = os.environ.get("SANDBOX_TOKEN", "") if token is None else token
    check_token(host, token)
    limits = limits or ServiceLimits.from_env()
    pool = SandboxPool(workers, require_isolation=require_isolation)
    server_class = _SandboxServer6 if ":" in host else SandboxServer
    server = server_class((host.strip("[]"), port), pool, token=token, limits=limits)
    bound_port = server.server_address[1]
    print(
        json.dumps(
            {
                "listening": f"http://{host}:{bound_port}",
                "isolation": pool.isolation,
                "workers": pool.size,
                "auth": bool(token),
                "limits": dataclasses.asdict(limits),
            }
        ),
        flush=True,
    )

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.close()
        print("sandbox service stopped", file=sys.stderr)

"""``SandboxClient``: the one interface the web app and the training worker use. A local
pool when no URL is given, the HTTP service (``python -m sandbox serve``) otherwise.

``url`` (``SANDBOX_URL``) may list several services, comma-separated
(``http://sb1:8090,http://sb2:8090``). A batch is then cut into sub-batches of
``chunk`` programs (``SANDBOX_CHUNK``, default 16), each sent to the service with the
fewest of this client's sub-batches outstanding (ties in turn), at most ``per_service``
(``SANDBOX_PER_SERVICE``, default 2) at once per service. A sub-batch whose service
refuses the connection, resets it, times out or answers 502/503/504 is sent to another
service; a service that failed is passed over for ``_DOWN_COOLDOWN_S`` while others answer.
Each result goes into its request's slot, so a sub-batch sent twice replaces its results,
never adds to them, and a result whose ``id`` differs from its request's is refused. When
every service failed, :class:`SandboxError` names each address and why it failed. All
services share one token (``SANDBOX_TOKEN``)."""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.types import JudgeRequest, JudgeResult

if TYPE_CHECKING:
    from sandbox.pool import SandboxPool

#: Slack on top of the programs' own time limits for an HTTP round trip.
_HTTP_SLACK_S = 60.0
#: Rounds for one sub-batch while services are busy (503) or reset connections: judging has
#: no side effects, so sending a sub-batch again is safe.
_ATTEMPTS = 6
_BACKOFF_S = 0.25
_BACKOFF_MAX_S = 8.0
#: Seconds a service that refused, timed out or answered garbage is passed over.
_DOWN_COOLDOWN_S = 10.0
#: HTTP statuses that mean "this service, not this batch": worth another service.
_TRANSIENT_STATUS = (502, 503, 504)


class SandboxError(RuntimeError):
    """The sandbox service refused a request or could not be reached."""


class _Retry(Exception):
    """A failure worth another attempt (on any service), with the server's suggested wait."""

    def __init__(self, error: SandboxError, wait_s: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait_s = wait_s


class _Down(Exception):
    """The service is unreachable (refused, timed out, garbled): try the others, not it."""

    def __init__(self, error: SandboxError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Service:
    """One service address and what this client has seen of it."""

    url: str
    index: int
    outstanding: int = 0
    down_until: float = 0.0
    sent: int = 0
    answered: int = 0
    failures: int = 0
    last_error: str = ""

    def snapshot(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outstanding": self.outstanding,
            "sent": self.sent,
            "answered": self.answered,
            "failures": self.failures,
            "last_error": self.last_error,
        }


def parse_urls(url: str | None) -> list[str]:
    """The addresses in ``url`` (comma-separated; blanks and trailing slashes dropped)."""
    return [u.strip().rstrip("/") for u in (url or "").split(",") if u.strip()]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return max(1, int(raw)) if raw else default
    except ValueError:
        raise SandboxError(f"{name}={raw!r} is not an integer") from None


class SandboxClient:
    """Judge programs locally (``url=None``: a ``SandboxPool`` of ``workers`` started on
    first use) or through the sandbox services at ``url`` (e.g. ``http://sandbox:8090``, or
    several comma-separated: see the module's docstring).

    ``token`` (default: ``SANDBOX_TOKEN``) is sent as ``Authorization: Bearer``. A sub-batch
    that every service turned away as busy (503) or reset is sent again, up to ``attempts``
    rounds with exponential back-off; ``chunk`` and ``per_service`` default to
    ``SANDBOX_CHUNK`` and ``SANDBOX_PER_SERVICE``."""

    def __init__(
        self,
        url: str | None = None,
        workers: int | None = None,
        *,
        timeout_s: float | None = None,
        require_isolation: bool | None = None,
        token: str | None = None,
        attempts: int = _ATTEMPTS,
        chunk: int | None = None,
        per_service: int | None = None,
    ) -> None:
        urls = parse_urls(url)
        self.url = ",".join(urls) or None
        self.services = [_Service(u, i) for i, u in enumerate(urls)]
        self.workers = workers
        self.timeout_s = timeout_s
        self.token = os.environ.get("SANDBOX_TOKEN", "") if token is None else token
        self.attempts = max(1, attempts)
        self.chunk = max(1, chunk) if chunk else _env_int("SANDBOX_CHUNK", 16)
        self.per_service = max(1, per_service) if per_service else _env_int("SANDBOX_PER_SERVICE", 2)
        self._require_isolation = require_isolation
        self._pool: SandboxPool | None = None
        self._lock = threading.Lock()
        self._turn = 0

    def _local(self) -> SandboxPool:
        with self._lock:
            if self._pool is None:
                from sandbox.pool import SandboxPool

                self._pool = SandboxPool(self.workers, require_isolation=self._require_isolation)
            return self._pool

    def judge_batch(self, requests: Iterable[JudgeRequest | dict[str, Any]]) -> list[JudgeResult]:
        """Judge every request; results in request order."""
        reqs = [r if isinstance(r, JudgeRequest) else JudgeRequest.from_dict(r) for r in requests]
        if not reqs:
            return []
        if self.url is None:
            return self._local().judge_batch(reqs)
        # Every sub-batch may wait behind this call's others: each gets the whole budget.
        timeout = self.timeout_s or _HTTP_SLACK_S + sum(r.timeout_s for r in reqs)
        slots: list[JudgeResult | None] = [None] * len(reqs)
        spans = [range(i, min(i + self.chunk, len(reqs))) for i in range(0, len(reqs), self.chunk)]
        if len(spans) == 1:
            self._judge_span(reqs, spans[0], slots, timeout)
        else:
            threads = min(len(spans), len(self.services) * self.per_service)
            with ThreadPoolExecutor(threads, thread_name_prefix="sandbox-client") as executor:
                futures = [executor.submit(self._judge_span, reqs, s, slots, timeout) for s in spans]
                try:
                    for future in futures:
                        future.result()
                finally:
                    for future in futures:
                        future.cancel()
        missing = [i for i, r in enumerate(slots) if r is None]
        if missing:  # unreachable unless a sub-batch was lost: refuse rather than guess
            raise SandboxError(f"no result for requests {missing[:10]} of {len(reqs)}")
        return [r for r in slots if r is not None]

    def _judge_span(
        self, reqs: list[JudgeRequest], span: range, slots: list[JudgeResult | None], timeout: float
    ) -> None:
        """Judge ``reqs[span]`` on one service and put each result in its request's slot."""
        payload = json.dumps([reqs[i].to_dict() for i in span]).encode()
        data = self._request("POST", "/v1/judge_batch", payload, timeout)
        if not isinstance(data, list) or len(data) != len(span):
            raise SandboxError("the sandbox service answered with the wrong number of results")
        results = [JudgeResult.from_dict(d) for d in data]
        for i, result in zip(span, results, strict=True):
            if reqs[i].id is not None and result.id != reqs[i].id:
                raise SandboxError(
                    f"the sandbox service answered for {result.id!r} in {reqs[i].id!r}'s place"
                )
        for i, result in zip(span, results, strict=True):
            slots[i] = result  # a slot per request: judged again, it is replaced, never added

    def judge(self, request: JudgeRequest | dict[str, Any]) -> JudgeResult:
        """Judge one request."""
        return self.judge_batch([request])[0]

    def health(self) -> dict[str, Any]:
        """``{"ok", "isolation", "workers", ...}`` of the pool or the service. With several
        services: ``ok`` when any answers ok, ``workers`` summed, ``services`` each one's
        answer or error; a :class:`SandboxError` naming each when none answers."""
        if self.url is None:
            return self._local().health()
        if len(self.services) == 1:
            return self._health_of(self.services[0])
        answers: list[dict[str, Any]] = []
        for service in self.services:
            try:
                answers.append({"url": service.url, **self._health_of(service)})
            except SandboxError as exc:
                answers.append({"url": service.url, "ok": False, "error": str(exc)})
        alive = [a for a in answers if "error" not in a]
        if not alive:
            raise SandboxError(_all_failed({a["url"]: a["error"] for a in answers}))
        healthy = [a for a in alive if a.get("ok")]
        first = (healthy or alive)[0]
        return {
            "ok": bool(healthy),
            "status": "ok" if len(healthy) == len(answers) else "degraded",
            "isolation": first.get("isolation"),
            "layers": first.get("layers", {}),
            "errors": first.get("errors", {}),
            "workers": sum(int(a.get("workers", 0)) for a in alive),
            "services": answers,
        }

    def _health_of(self, service: _Service) -> dict[str, Any]:
        data = self._request("GET", "/health", None, self.timeout_s or 10.0, only=service)
        if not isinstance(data, dict):
            raise SandboxError("unexpected /health answer")
        return data

    def stats(self) -> list[dict[str, Any]]:
        """Per service: sub-batches outstanding, sent, answered, failures, the last error."""
        with self._lock:
            return [s.snapshot() for s in self.services]

    def _request(
        self, method: str, path: str, payload: bytes | None, timeout: float, *, only: _Service | None = None
    ) -> Any:
        """Send to one service after another until one answers; see the module docstring."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        candidates = [only] if only else self.services
        failed: dict[str, str] = {}  # url -> why, for the error when none answers
        down: set[int] = set()  # unreachable: not tried again for this request
        busy: set[int] = set()  # transient failures in this round
        rounds, wait = 0, 0.0
        while True:
            with self._picked(candidates, down | busy) as service:
                if service is None:
                    if len(down) == len(candidates) or rounds + 1 >= self.attempts:
                        raise SandboxError(_all_failed(failed))
                    rounds, busy = rounds + 1, set()
                    backoff = min(_BACKOFF_MAX_S, _BACKOFF_S * 2 ** (rounds - 1))
                    time.sleep(min(max(wait, backoff * (0.5 + random.random())), _BACKOFF_MAX_S))
                    continue
                try:
                    answer = self._send(service.url + path, method, payload, headers, timeout)
                except _Retry as retry:
                    busy.add(service.index)
                    wait = max(wait, retry.wait_s or 0.0)
                    failed[service.url] = self._failed(service, retry.error, cooldown=False)
                except _Down as exc:
                    down.add(service.index)
                    failed[service.url] = self._failed(service, exc.error, cooldown=True)
                else:
                    with self._lock:
                        service.answered += 1
                    return answer

    @contextmanager
    def _picked(self, candidates: list[_Service], skip: set[int]) -> Iterator[_Service | None]:
        """The candidate not in ``skip`` with the fewest outstanding sub-batches (those not
        cooling down first; ties in turn), counted as outstanding while in use."""
        with self._lock:
            left = [s for s in candidates if s.index not in skip]
            now = time.monotonic()
            left = [s for s in left if s.down_until <= now] or left
            if not left:
                service = None
            else:
                turn, n = self._turn, len(self.services)
                self._turn += 1
                service = min(left, key=lambda s: (s.outstanding, (s.index - turn) % n))
                service.outstanding += 1
                service.sent += 1
        try:
            yield service
        finally:
            if service is not None:
                with self._lock:
                    service.outstanding -= 1

    def _failed(self, service: _Service, error: SandboxError, *, cooldown: bool) -> str:
        with self._lock:
            service.failures += 1
            service.last_error = str(error)
            if cooldown:
                service.down_until = time.monotonic() + _DOWN_COOLDOWN_S
        return str(error)

    def _send(
        self, url: str, method: str, payload: bytes | None, headers: dict[str, str], timeout: float
    ) -> Any:
        request = urllib.request.Request(url, data=payload, method=method, headers=headers)
        base = url.split("/v1/", 1)[0].removesuffix("/health")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:2000]
            error = SandboxError(f"sandbox service at {base}: HTTP {exc.code}: {detail}")
            if exc.code in _TRANSIENT_STATUS:
                raise _Retry(error, _retry_after(exc.headers.get("Retry-After"))) from exc
            raise error from exc
        except (ConnectionResetError, BrokenPipeError, http.client.HTTPException) as exc:
            reason = f"connection reset: {type(exc).__name__}: {exc}"
            raise _Retry(SandboxError(f"sandbox service at {base}: {reason}")) from exc
        except urllib.error.URLError as exc:
            error = SandboxError(f"sandbox service at {base} unreachable: {exc.reason}")
            if isinstance(exc.reason, ConnectionResetError | BrokenPipeError):
                raise _Retry(error) from exc
            raise _Down(error) from exc
        except (OSError, ValueError) as exc:  # a timeout, or an answer that is not JSON
            raise _Down(SandboxError(f"sandbox service at {base} unreachable: {exc!r}")) from exc

    def close(self) -> None:
        """Stop the local pool, if one was started."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _all_failed(failed: dict[str, str]) -> str:
    """One line naming every address tried and why it failed (the error itself for one)."""
    if len(failed) == 1:
        return next(iter(failed.values()))
    reasons = "; ".join(f"{url}: {why}" for url, why in failed.items())
    return f"every sandbox service failed ({len(failed)} tried): {reasons}"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (only the delta-seconds form)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None

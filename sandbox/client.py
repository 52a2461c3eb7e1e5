"""``SandboxClient``: the one interface the web app and the training worker use. A local
pool when no URL is given, the HTTP service (``python -m sandbox serve``) otherwise."""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sandbox.types import JudgeRequest, JudgeResult

if TYPE_CHECKING:
    from sandbox.pool import SandboxPool

#: Slack on top of the programs' own time limits for an HTTP round trip.
_HTTP_SLACK_S = 60.0
#: Attempts for one batch when the service is busy (503) or a connection is reset. Judging
#: has no side effects, so sending a batch again is safe.
_ATTEMPTS = 6
_BACKOFF_S = 0.25
_BACKOFF_MAX_S = 8.0


class SandboxError(RuntimeError):
    """The sandbox service refused a request or could not be reached."""


class _Retry(Exception):
    """A failure worth another attempt, with the server's suggested wait (if any)."""

    def __init__(self, error: SandboxError, wait_s: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait_s = wait_s


class SandboxClient:
    """Judge programs locally (``url=None``: a ``SandboxPool`` of ``workers`` started on
    first use) or through a sandbox service at ``url`` (e.g. ``http://sandbox:8090``).

    ``token`` (default: ``SANDBOX_TOKEN``) is sent as ``Authorization: Bearer``. A batch the
    service turns away as busy (503), or whose connection is reset, is sent again up to
    ``attempts`` times with exponential back-off."""

    def __init__(
        self,
        url: str | None = None,
        workers: int | None = None,
        *,
        timeout_s: float | None = None,
        require_isolation: bool | None = None,
        token: str | None = None,
        attempts: int = _ATTEMPTS,
    ) -> None:
        self.url = url.rstrip("/") if url else None
        self.workers = workers
        self.timeout_s = timeout_s
        self.token = os.environ.get("SANDBOX_TOKEN", "") if token is None else token
        self.attempts = max(1, attempts)
        self._require_isolation = require_isolation
        self._pool: SandboxPool | None = None
        self._lock = threading.Lock()

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
        timeout = self.timeout_s or _HTTP_SLACK_S + sum(r.timeout_s for r in reqs)
        data = self._http("POST", "/v1/judge_batch", [r.to_dict() for r in reqs], timeout)
        if not isinstance(data, list) or len(data) != len(reqs):
            raise SandboxError("the sandbox service answered with the wrong number of results")
        return [JudgeResult.from_dict(d) for d in data]

    def judge(self, request: JudgeRequest | dict[str, Any]) -> JudgeResult:
        """Judge one request."""
        return self.judge_batch([request])[0]

    def health(self) -> dict[str, Any]:
        """``{"ok", "isolation", "workers", ...}`` of the pool or the service."""
        if self.url is None:
            return self._local().health()
        data = self._http("GET", "/health", None, self.timeout_s or 10.0)
        if not isinstance(data, dict):
            raise SandboxError("unexpected /health answer")
        return data

    def _http(self, method: str, path: str, body: Any, timeout: float) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(1, self.attempts + 1):
            try:
                return self._send(method, path, payload, headers, timeout)
            except _Retry as retry:
                if attempt == self.attempts:
                    raise retry.error from None
                backoff = min(_BACKOFF_MAX_S, _BACKOFF_S * 2 ** (attempt - 1))
                wait = max(retry.wait_s or 0.0, backoff * (0.5 + random.random()))
                time.sleep(min(wait, _BACKOFF_MAX_S))
        raise AssertionError("unreachable")

    def _send(
        self, method: str, path: str, payload: bytes | None, headers: dict[str, str], timeout: float
    ) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", data=payload, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:2000]
            error = SandboxError(f"sandbox service: HTTP {exc.code}: {detail}")
            if exc.code == 503:
                raise _Retry(error, _retry_after(exc.headers.get("Retry-After"))) from exc
            raise error from exc
        except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as exc:
            raise _Retry(SandboxError(f"sandbox service at {self.url}: connection reset: {exc}")) from exc
        except urllib.error.URLError as exc:
            error = SandboxError(f"sandbox service at {self.url} unreachable: {exc}")
            if isinstance(exc.reason, ConnectionResetError | BrokenPipeError):
                raise _Retry(error) from exc
            raise error from exc
        except (OSError, ValueError) as exc:
            raise SandboxError(f"sandbox service at {self.url} unreachable: {exc}") from exc

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


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (only the delta-seconds form)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None

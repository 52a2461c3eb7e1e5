"""``SandboxClient``: the one interface the web app and the training worker use. A local
pool when no URL is given, the HTTP service (``python -m sandbox serve``) otherwise."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sandbox.types import JudgeRequest, JudgeResult

if TYPE_CHECKING:
    from sandbox.pool import SandboxPool

#: Slack on top of the programs' own time limits for an HTTP round trip.
_HTTP_SLACK_S = 60.0


class SandboxError(RuntimeError):
    """The sandbox service refused a request or could not be reached."""


class SandboxClient:
    """Judge programs locally (``url=None``: a ``SandboxPool`` of ``workers`` started on
    first use) or through a sandbox service at ``url`` (e.g. ``http://sandbox:8090``)."""

    def __init__(
        self,
        url: str | None = None,
        workers: int | None = None,
        *,
        timeout_s: float | None = None,
        require_isolation: bool | None = None,
    ) -> None:
        self.url = url.rstrip("/") if url else None
        self.workers = workers
        self.timeout_s = timeout_s
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
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=payload,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:2000]
            raise SandboxError(f"sandbox service: HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
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

"""The web side's one door to the sandbox (DESIGN: ``webapp → sandbox`` as a client).

With ``SANDBOX_URL`` set, programs go to the sandbox service over HTTP; otherwise a warm
local pool is started on first use in this process (the Celery ``cpu`` worker, normally).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings

from sandbox import SandboxClient, isolation_probe

_lock = threading.Lock()
_client: SandboxClient | None = None
_probe: tuple[float, dict[str, Any]] | None = None
PROBE_TTL_S = 60.0


def sandbox_client() -> SandboxClient:
    """The process-wide client (one warm pool per process when local)."""
    global _client
    with _lock:
        if _client is None:
            _client = SandboxClient(
                url=settings.SANDBOX_URL or None, timeout_s=None, token=settings.SANDBOX_TOKEN
            )
        return _client


def sandbox_health() -> dict[str, Any]:
    """``{"ok", "isolation", "where", ...}``: the service's /health when ``SANDBOX_URL`` is
    set, else a one-worker isolation probe on this machine (cached for a minute, ~0.2 s)."""
    global _probe
    if settings.SANDBOX_URL:
        data = SandboxClient(url=settings.SANDBOX_URL, timeout_s=3.0, token=settings.SANDBOX_TOKEN).health()
        return {**data, "where": settings.SANDBOX_URL}
    now = time.monotonic()
    with _lock:
        if _probe is None or now - _probe[0] > PROBE_TTL_S:
            report = isolation_probe()
            _probe = (
                now,
                {"ok": True, "isolation": report.summary, **report.to_dict(), "where": "local pool"},
            )
        return dict(_probe[1])

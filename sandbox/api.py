"""Module-level ``judge`` and ``judge_batch`` over one process-wide client: the service
at ``SANDBOX_URL`` when that is set, a local pool (one worker per core) otherwise."""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterable
from typing import Any

from sandbox.client import SandboxClient
from sandbox.types import JudgeRequest, JudgeResult

_default: SandboxClient | None = None
_lock = threading.Lock()


def default_client() -> SandboxClient:
    """The process-wide client (created on first use, closed at exit)."""
    global _default
    with _lock:
        if _default is None:
            _default = SandboxClient(url=os.environ.get("SANDBOX_URL") or None)
            atexit.register(_default.close)
        return _default


def judge(request: JudgeRequest | dict[str, Any] | None = None, **fields: Any) -> JudgeResult:
    """Judge one program: ``judge(JudgeRequest(...))`` or ``judge(program=..., entry_point=...,
    cases=[...])``."""
    if request is None:
        request = JudgeRequest(**fields)
    elif fields:
        raise TypeError("pass either a request or its fields, not both")
    return default_client().judge(request)


def judge_batch(requests: Iterable[JudgeRequest | dict[str, Any]]) -> list[JudgeResult]:
    """Judge many programs in parallel; results in request order."""
    return default_client().judge_batch(requests)

"""Atomlab's sandbox: judges untrusted Python programs in a warm pool of isolated workers.

Importing this package is cheap; the names below load their modules on first use.

    from sandbox import (JudgeRequest, JudgeResult, CaseOutcome, Verdict, judge, judge_batch,
                         SandboxClient, SandboxPool, extract_code, pass_at_k, isolation_probe)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.api import judge, judge_batch
    from sandbox.client import SandboxClient
    from sandbox.extract import extract_code
    from sandbox.isolation import IsolationError, IsolationReport
    from sandbox.passk import pass_at_k
    from sandbox.pool import SandboxPool, isolation_probe
    from sandbox.types import CaseOutcome, JudgeRequest, JudgeResult, RequestError, Verdict

_EXPORTS = {
    "JudgeRequest": "sandbox.types",
    "JudgeResult": "sandbox.types",
    "CaseOutcome": "sandbox.types",
    "Verdict": "sandbox.types",
    "RequestError": "sandbox.types",
    "judge": "sandbox.api",
    "judge_batch": "sandbox.api",
    "SandboxClient": "sandbox.client",
    "SandboxPool": "sandbox.pool",
    "isolation_probe": "sandbox.pool",
    "IsolationError": "sandbox.isolation",
    "IsolationReport": "sandbox.isolation",
    "extract_code": "sandbox.extract",
    "pass_at_k": "sandbox.passk",
}

__all__ = [
    "CaseOutcome",
    "IsolationError",
    "IsolationReport",
    "JudgeRequest",
    "JudgeResult",
    "RequestError",
    "SandboxClient",
    "SandboxPool",
    "Verdict",
    "extract_code",
    "isolation_probe",
    "judge",
    "judge_batch",
    "pass_at_k",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

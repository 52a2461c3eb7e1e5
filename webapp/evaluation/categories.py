"""Why a generation failed, from the sandbox's verdict: one category per generation plus,
for a runtime error, the exception's type.

The categories are those of the RL rewards (``training_worker/rewards.py``: passed, wrong
answer, runtime error, syntax error, timeout, tampering) with ``crashed`` kept apart (a
signal or out of memory says something different about a program than an exception) and
``no_code`` for an answer with nothing to run. Tampering is recognised by the same signs
as the rewards use, :func:`sandbox.tampering.tampering_kind`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sandbox.tampering import tampering_kind

if TYPE_CHECKING:
    from sandbox import JudgeResult

#: ``ZeroDivisionError: division by zero (line 2)``, possibly after "not run: ".
_EXCEPTION = re.compile(r"(?:not run: )?([A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt|Iteration))\b")


def exception_type(message: str | None) -> str:
    """The exception's type named at the start of a sandbox error message, or ""."""
    match = _EXCEPTION.match(message or "")
    return match.group(1) if match else ""


def categorize(result: JudgeResult) -> tuple[str, str]:
    """``(category, error_type)`` of a verdict (``webapp.evaluation.models.Category``)."""
    if result.passed:
        return "passed", ""
    if tampering_kind(result) is not None:
        return "tampering", ""
    verdict = str(result.verdict)
    if verdict == "failed":
        return "wrong_answer", ""
    if verdict in ("syntax_error", "timeout", "crashed"):
        return verdict, ""
    return "runtime_error", exception_type(result.error)

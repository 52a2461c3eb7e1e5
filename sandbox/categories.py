"""One verdict vocabulary: why a program passed or failed, in one category, for everyone who
reads verdicts (DESIGN.md: "one rule lives in one place"). The RL rewards and rollout
metrics (``training_worker/rewards.py``), evaluation (``webapp/evaluation``) and every page
name categories through :func:`categorize`, so a rollout's shares and an evaluation's
shares count the same things under the same names. Standard library only: the GPU worker
(which never imports Django) and the web side both import it.

Why each category exists, from the most to the least telling about the program:

- ``no_code``: the answer held nothing to run (no code block, an empty one). Not the
  program's fault at run time but the model's at writing time; without it, an empty answer
  would read as a runtime error ("entry point not defined").
- ``passed``: every case matched / the test ran to its end, confirmed by the judge.
- ``tampering``: the program tried to game the judge (exiting early, returning an
  always-equal object, reaching for frames, signals or ctypes, printing "tests passed");
  :func:`sandbox.tampering.tampering_kind` says which. RL scores it 0 whatever else it did,
  and evaluation keeps it apart: it is a behaviour to watch, not a bug.
- ``wrong_answer``: it ran and returned plain data, but a value was wrong or an assertion
  of the test failed (:attr:`Verdict.FAILED`).
- ``runtime_error``: it raised (at load time or in a call); the exception's type goes with
  it (:func:`exception_type`), since ``TypeError`` and ``IndexError`` say different things.
- ``syntax_error``: it does not compile; nothing ran.
- ``timeout``: the wall-clock or CPU limit ran out (an endless loop, runaway recursion).
- ``crashed``: killed by a signal or out of memory (:attr:`Verdict.CRASHED`). Kept apart
  from ``runtime_error``: a process the kernel killed says something different about a
  program than an exception it raised, and the two used to be merged on the RL side only.

The mapping compares :class:`~sandbox.types.Verdict` members, never strings; a verdict the
table does not know is a ``KeyError`` (a test walks every member), not a silent default.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.tampering import tampering_kind
from sandbox.types import Verdict

if TYPE_CHECKING:
    from sandbox.types import JudgeResult

__all__ = ["BY_VERDICT", "Categorized", "Category", "categorize", "exception_type"]


class Category(enum.StrEnum):
    """The categories, in the order legends and tables list them (module docstring)."""

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    SYNTAX_ERROR = "syntax_error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    TAMPERING = "tampering"
    NO_CODE = "no_code"


#: The category of each verdict when the program was neither empty nor tampering.
BY_VERDICT: dict[Verdict, Category] = {
    Verdict.PASSED: Category.PASSED,
    Verdict.FAILED: Category.WRONG_ANSWER,
    Verdict.ERROR: Category.RUNTIME_ERROR,
    Verdict.SYNTAX_ERROR: Category.SYNTAX_ERROR,
    Verdict.TIMEOUT: Category.TIMEOUT,
    Verdict.CRASHED: Category.CRASHED,
}

#: ``ZeroDivisionError: division by zero (line 2)``, possibly after "not run: ".
_EXCEPTION = re.compile(r"(?:not run: )?([A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt|Iteration))\b")


def exception_type(message: str | None) -> str:
    """The exception's type named at the start of a sandbox error message, or ""."""
    match = _EXCEPTION.match(message or "")
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Categorized:
    """One verdict in the vocabulary: its category, the exception's type for a runtime
    error (else ""), and the tampering sign for tampering (else None)."""

    category: Category
    error_type: str = ""
    tampering: str | None = None


def categorize(result: JudgeResult, *, program: str | None = None) -> Categorized:
    """The category of ``result`` (module docstring). ``program``: the code that was judged;
    when given and blank, the answer is ``no_code`` whatever the sandbox said about it."""
    if program is not None and not program.strip():
        return Categorized(Category.NO_CODE)
    verdict = Verdict(result.verdict)
    if verdict is Verdict.PASSED:
        return Categorized(Category.PASSED)
    sign = tampering_kind(result)
    if sign is not None:
        return Categorized(Category.TAMPERING, tampering=sign)
    category = BY_VERDICT[verdict]
    if category is Category.RUNTIME_ERROR:
        return Categorized(category, error_type=exception_type(result.error))
    return Categorized(category)

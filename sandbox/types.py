"""The judge's wire types: requests in, verdicts out. Stdlib dataclasses, JSON round-trip."""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

from sandbox.output import OUTPUT_KEEP_BYTES, trim_output

__all__ = [
    "OUTPUT_KEEP_BYTES",
    "CaseOutcome",
    "JudgeRequest",
    "JudgeResult",
    "RequestError",
    "Verdict",
    "trim_output",
]


class Verdict(enum.StrEnum):
    """Outcome of one program. Listed from most to least severe: when several apply, the
    verdict is the first of these that does (see ``Verdict.worst``)."""

    SYNTAX_ERROR = "syntax_error"  # the program does not compile; nothing ran
    CRASHED = "crashed"  # killed by a signal or out of memory
    TIMEOUT = "timeout"  # the wall-clock or CPU limit ran out
    ERROR = "error"  # the program raised (at load time or in a call), or returned a non-plain value
    FAILED = "failed"  # it ran, but a value was wrong or an assertion of the test failed
    PASSED = "passed"  # every case matched / the test ran to its end, confirmed by the judge

    @classmethod
    def worst(cls, verdicts: list[Verdict]) -> Verdict:
        """The most severe of ``verdicts`` (``PASSED`` for an empty list)."""
        order = list(cls)
        return min(verdicts, key=order.index, default=cls.PASSED)


class RequestError(ValueError):
    """A request is malformed (unknown field, wrong type, limit out of range)."""


def _check_fields(cls: type[Any], data: dict[str, Any]) -> None:
    # A typo such as "tests" instead of "test" would otherwise judge nothing and pass.
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RequestError(f"{cls.__name__}: unknown field(s) {unknown}; known: {sorted(known)}")


@dataclasses.dataclass
class JudgeRequest:
    """One program to judge.

    ``cases`` are native cases ``{"args": [...], "kwargs": {...}, "expected": ...}`` whose
    values use the tagged JSON of ``sandbox.codec`` (``{"$tuple": [...]}``, ``{"$set": [...]}``);
    a case without ``expected`` only checks that the call returns plain data (to record a
    reference's outputs). ``test`` is HumanEval-style code (``def check(candidate)`` or bare
    asserts naming the entry point), run in a process of its own. ``test_setup`` is trusted
    code run in the test's process before ``test`` (HumanEval: the prompt, which defines
    helpers such as ``poly`` that the tests call). With neither cases nor test, the program
    passes when it loads and defines ``entry_point`` (when one is named).
    """

    program: str
    entry_point: str = ""
    cases: list[dict[str, Any]] | None = None
    test: str | None = None
    timeout_s: float = 5.0  # wall clock for the whole program: load, every case and the test
    memory_mb: int = 512  # address-space limit of each sandboxed process
    id: str | None = None
    test_setup: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.program, str):
            raise RequestError("program must be a string")
        if not isinstance(self.entry_point, str):
            raise RequestError("entry_point must be a string")
        if self.test is not None and not isinstance(self.test, str):
            raise RequestError("test must be a string or null")
        if self.test_setup is not None and not isinstance(self.test_setup, str):
            raise RequestError("test_setup must be a string or null")
        if self.cases is not None:
            if not isinstance(self.cases, list):
                raise RequestError("cases must be a list")
            for i, case in enumerate(self.cases):
                if not isinstance(case, dict) or not isinstance(case.get("args", []), list):
                    raise RequestError(f"case {i} must be an object with a list 'args'")
                if not isinstance(case.get("kwargs", {}), dict):
                    raise RequestError(f"case {i}: 'kwargs' must be an object")
                extra = set(case) - {"args", "kwargs", "expected"}
                if extra:
                    raise RequestError(f"case {i}: unknown field(s) {sorted(extra)}")
        if (self.cases or self.test) and not self.entry_point:
            raise RequestError("cases and tests need an entry_point")
        timeout = float(self.timeout_s)
        if not (math.isfinite(timeout) and 0 < timeout <= 600):
            raise RequestError("timeout_s must be in (0, 600]")
        self.timeout_s = timeout
        if not isinstance(self.memory_mb, int) or not 64 <= self.memory_mb <= 65536:
            raise RequestError("memory_mb must be an integer in [64, 65536]")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_dict`` reverses it)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JudgeRequest:
        """Build a request from a JSON object; unknown fields are an error."""
        if not isinstance(data, dict):
            raise RequestError("a request must be a JSON object")
        _check_fields(cls, data)
        if "program" not in data:
            raise RequestError("a request needs 'program'")
        return cls(**data)


@dataclasses.dataclass
class CaseOutcome:
    """One native case (or, for an assert-style test, the whole test as case ``index``).

    ``got`` is the candidate's value in tagged JSON; ``expected`` is as the request gave it
    (``None`` for a test, whose expectations stay inside the test's process)."""

    index: int
    args: list[Any]
    expected: Any
    got: Any
    passed: bool
    error: str | None = None
    #: Wall time of the call (a native case) or of the whole test, in milliseconds; None for
    #: a case that did not run.
    duration_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseOutcome:
        """Reverse of ``to_dict``."""
        _check_fields(cls, data)
        return cls(**data)


@dataclasses.dataclass
class JudgeResult:
    """The verdict on one program, with everything the UI shows about it."""

    verdict: str
    cases: list[CaseOutcome] = dataclasses.field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    isolation: str = ""
    flags: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    id: str | None = None

    @property
    def passed(self) -> bool:
        """True when the verdict is ``passed``."""
        return self.verdict == Verdict.PASSED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_dict`` reverses it)."""
        data = dataclasses.asdict(self)
        data["verdict"] = str(self.verdict)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JudgeResult:
        """Reverse of ``to_dict``."""
        _check_fields(cls, data)
        fields = dict(data)
        fields["cases"] = [CaseOutcome.from_dict(c) for c in data.get("cases", [])]
        verdict = Verdict(fields.pop("verdict"))
        return cls(verdict=verdict, **fields)

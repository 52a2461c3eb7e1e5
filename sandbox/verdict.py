"""Turn a worker's raw result into a ``JudgeResult``: the comparison with expected values
happens here, in the judge's process, never in the candidate's.

Precedence when several outcomes apply (``Verdict`` order):
``syntax_error > crashed > timeout > error > failed > passed``. Every case still gets its own
outcome, so the UI shows each one. A pass needs positive evidence: for native cases, a
reply per case that matches its expectation; for a test, the test process's "passed"
report, written only after ``check(candidate)`` returned."""

from __future__ import annotations

import json
import signal
from typing import Any

from sandbox import codec
from sandbox.compare import values_equal
from sandbox.flags import scan_flags
from sandbox.types import CaseOutcome, JudgeRequest, JudgeResult, Verdict

#: Past this size (of its JSON), a returned value is shown truncated (it was compared whole).
MAX_SHOWN_VALUE = 64 << 10


def judge_result(request: JudgeRequest, raw: dict[str, Any], report: bytes, isolation: str) -> JudgeResult:
    """Build the verdict for ``request`` from the worker's ``raw`` result and the test's
    ``report``."""
    result = JudgeResult(
        verdict=Verdict.PASSED,
        stdout=str(raw.get("stdout", "")),
        stderr=str(raw.get("stderr", "")),
        duration_s=round(float(raw.get("duration_s", 0.0)), 6),
        isolation=isolation,
        flags=scan_flags(request.program),
        id=request.id,
    )
    cases = request.cases or []
    load = raw.get("load")
    if load == "syntax_error":
        result.verdict, result.error = Verdict.SYNTAX_ERROR, raw.get("message")
        result.cases = [_not_run(i, case, "not run: syntax error") for i, case in enumerate(cases)]
        return result
    if load != "ok":
        verdict, message = _load_failure(str(load), raw.get("message"), raw.get("exit"))
        result.verdict, result.error = verdict, message
        result.cases = [_not_run(i, case, f"not run: {message}") for i, case in enumerate(cases)]
        return result
    outcomes: list[tuple[Verdict, str | None]] = []
    replies = raw.get("calls", [])
    times = raw.get("call_ms") or []
    for i, case in enumerate(cases):
        if i < len(replies):
            outcome, verdict = _judge_reply(i, case, replies[i])
            outcome.duration_ms = _ms(times[i] if i < len(times) else None)
        else:
            stop_verdict, stop_message = _stop_reason(raw.get("stopped"), raw.get("exit"), i)
            first_unrun = i == len(replies)
            verdict = stop_verdict if first_unrun else Verdict.ERROR
            why = stop_message if first_unrun else "not run: an earlier case did not return"
            outcome = _not_run(i, case, why)
        result.cases.append(outcome)
        outcomes.append((verdict, outcome.error))
    if request.test is not None and raw.get("stopped") is None:
        verdict, test_message = _test_outcome(raw.get("test"), report, raw.get("exit"))
        result.cases.append(
            CaseOutcome(
                index=len(cases),
                args=[],
                expected=None,
                got=None,
                passed=verdict is Verdict.PASSED,
                error=test_message,
                duration_ms=_ms(raw.get("test_ms")),
            )
        )
        outcomes.append((verdict, test_message))
    result.verdict = Verdict.worst([v for v, _ in outcomes])
    if result.verdict is not Verdict.PASSED:
        result.error = next((m for v, m in outcomes if v is result.verdict and m), None)
    if result.verdict is Verdict.FAILED and result.error is None:
        wrong = [c.index for c in result.cases if not c.passed]
        result.error = f"{len(wrong)} of {len(result.cases)} cases failed (first: case {wrong[0]})"
    return result


def _ms(value: Any) -> float | None:
    """A worker's timing as a float, or None when it is missing or not a number."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _not_run(index: int, case: dict[str, Any], message: str) -> CaseOutcome:
    return CaseOutcome(
        index=index,
        args=list(case.get("args", [])),
        expected=case.get("expected"),
        got=None,
        passed=False,
        error=message,
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _death(exit_info: dict[str, Any] | None, when: str) -> tuple[Verdict, str]:
    """Why the candidate process ended on its own."""
    if not exit_info:
        return Verdict.ERROR, f"the program closed the harness channel {when}"
    sig = exit_info.get("signal")
    if sig == signal.SIGXCPU:
        return Verdict.TIMEOUT, f"CPU time limit exceeded {when}"
    if sig:
        return Verdict.CRASHED, f"the program was killed by {_signal_name(int(sig))} {when}"
    return Verdict.ERROR, f"the program exited (code {exit_info.get('code')}) {when}"


def _load_failure(load: str, message: Any, exit_info: dict[str, Any] | None) -> tuple[Verdict, str]:
    if load == "timeout":
        return Verdict.TIMEOUT, "time limit exceeded while loading the program"
    if load == "oom":
        return Verdict.CRASHED, f"out of memory: {message}"
    if load == "error":
        return Verdict.ERROR, str(message)
    return _death(exit_info, "while loading")


def _stop_reason(stopped: Any, exit_info: dict[str, Any] | None, index: int) -> tuple[Verdict, str]:
    when = f"during case {index}"
    if stopped == "timeout":
        return Verdict.TIMEOUT, f"time limit exceeded {when}"
    if stopped == "too_big":
        return Verdict.ERROR, f"the value returned {when} is too large"
    return _death(exit_info, when)


def _judge_reply(index: int, case: dict[str, Any], raw_reply: str) -> tuple[CaseOutcome, Verdict]:
    args = list(case.get("args", []))
    expected = case.get("expected")
    try:
        reply = json.loads(raw_reply)
        ok = reply["ok"] is True
        got_data = reply.get("value") if ok else None
        got = codec.decode(got_data) if ok else None
    except (ValueError, KeyError, TypeError, RecursionError):
        message = "the program returned unreadable data"
        return CaseOutcome(index, args, expected, None, False, message), Verdict.ERROR
    if not ok:
        kind, message = reply.get("kind"), str(reply.get("error", "the call failed"))
        verdict = Verdict.CRASHED if kind == "oom" else Verdict.ERROR
        return CaseOutcome(index, args, expected, None, False, message), verdict
    shown = got_data if len(raw_reply) <= MAX_SHOWN_VALUE else {"$truncated": raw_reply[:4096]}
    if "expected" not in case:
        return CaseOutcome(index, args, None, shown, True, None), Verdict.PASSED
    passed = values_equal(codec.decode(expected), got)
    return (
        CaseOutcome(index, args, expected, shown, passed, None),
        Verdict.PASSED if passed else Verdict.FAILED,
    )


def _test_outcome(state: Any, report: bytes, exit_info: dict[str, Any] | None) -> tuple[Verdict, str | None]:
    if state == "timeout":
        return Verdict.TIMEOUT, "time limit exceeded while the test ran"
    if state != "report":
        return Verdict.CRASHED, "the test process died before reporting"
    try:
        data = json.loads(bytes(report))
        status, message = str(data["status"]), data.get("message")
    except (ValueError, KeyError, TypeError):
        return Verdict.ERROR, "the test process sent an unreadable report"
    message = None if message is None else str(message)
    if status == "passed":
        return Verdict.PASSED, None
    if status == "failed":
        return Verdict.FAILED, message
    if status == "crashed":
        return Verdict.CRASHED, message
    if status == "gone":
        return _death(exit_info, "during a call from the test")
    if status == "judge_error":
        return Verdict.ERROR, f"judge error: {message}"
    return Verdict.ERROR, message


def validate_cases(request: JudgeRequest) -> str | None:
    """A message when a case's arguments or expectation are not valid tagged JSON."""
    for i, case in enumerate(request.cases or []):
        try:
            codec.decode(case.get("args", []))
            codec.decode(case.get("kwargs", {}))
            if "expected" in case:
                codec.decode(case["expected"])
            json.dumps(case, allow_nan=False)
        except (ValueError, TypeError, RecursionError) as exc:
            return f"case {i} is malformed: {exc}"
    return None

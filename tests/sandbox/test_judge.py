"""Verdict semantics, per-case outcomes and the comparison, through the real pool."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import JudgeRequest, JudgeResult, SandboxPool, Verdict

from .conftest import both_modes


def judge(
    pool: SandboxPool, program: str, cases: list[dict[str, Any]], timeout_s: float = 5.0
) -> JudgeResult:
    return pool.judge(JudgeRequest(program=program, entry_point="f", cases=cases, timeout_s=timeout_s))


def test_a_correct_function_passes_every_case_with_its_value(pool: SandboxPool) -> None:
    result = judge(
        pool,
        "def f(a, b):\n    return a * b\n",
        [{"args": [2, 3], "expected": 6}, {"args": [-1, 4], "expected": -4}],
    )
    assert result.verdict == Verdict.PASSED and result.passed
    assert [(c.index, c.args, c.expected, c.got, c.passed) for c in result.cases] == [
        (0, [2, 3], 6, 6, True),
        (1, [-1, 4], -4, -4, True),
    ]
    assert result.isolation == pool.isolation == "namespaces+seccomp+uid+rlimits"
    assert result.error is None and result.duration_s > 0


def test_every_case_runs_after_one_fails(pool: SandboxPool) -> None:
    result = judge(
        pool, "def f(x):\n    return x if x < 3 else 0\n", [{"args": [i], "expected": i} for i in range(5)]
    )
    assert result.verdict == "failed"
    assert [c.passed for c in result.cases] == [True, True, True, False, False]
    assert result.cases[4].got == 0
    assert result.error == "2 of 5 cases failed (first: case 3)"


def test_a_raising_case_is_an_error_and_the_others_still_run(pool: SandboxPool) -> None:
    result = judge(
        pool,
        "def f(x):\n    return 10 // x\n",
        [{"args": [2], "expected": 5}, {"args": [0], "expected": 0}, {"args": [5], "expected": 2}],
    )
    assert result.verdict == "error"
    assert [c.passed for c in result.cases] == [True, False, True]
    assert result.cases[1].error == "ZeroDivisionError: integer division or modulo by zero (line 2)"
    assert "ZeroDivisionError" in result.stderr  # the traceback, for the reviewer


def test_error_outranks_failed_in_the_verdict(pool: SandboxPool) -> None:
    result = judge(
        pool, "def f(x):\n    return 1 // x\n", [{"args": [1], "expected": 2}, {"args": [0], "expected": 0}]
    )
    assert [c.passed for c in result.cases] == [False, False]
    assert result.verdict == "error"


def test_a_syntax_error_names_its_line(pool: SandboxPool) -> None:
    results = both_modes(pool, "def f(x):\n    return (x +\n\ndef g(:\n")
    for result in results.values():
        assert result.verdict == "syntax_error"
        assert result.error is not None and result.error.startswith("line ")
    one = judge(pool, "x = 1\ndef f(x) return x\n", [{"args": [1], "expected": 1}])
    assert one.error == "line 2: expected ':'"
    assert one.cases[0].error == "not run: syntax error"


def test_a_module_level_exception_is_an_error_before_any_case(pool: SandboxPool) -> None:
    result = judge(
        pool, "import nonexistent_module_xyz\ndef f(x):\n    return x\n", [{"args": [1], "expected": 1}]
    )
    assert result.verdict == "error"
    assert "ModuleNotFoundError" in (result.error or "")
    assert result.cases[0].error and result.cases[0].error.startswith("not run")


def test_a_missing_entry_point_is_an_error(pool: SandboxPool) -> None:
    result = judge(pool, "def g(x):\n    return x\n", [{"args": [1], "expected": 1}])
    assert result.verdict == "error"
    assert result.error == "entry point 'f' is not defined"


def test_a_timeout_keeps_the_cases_that_finished(pool: SandboxPool) -> None:
    result = judge(
        pool,
        "def f(x):\n    while x:\n        pass\n    return x\n",
        [{"args": [0], "expected": 0}, {"args": [1], "expected": 1}, {"args": [0], "expected": 0}],
        timeout_s=0.5,
    )
    assert result.verdict == "timeout"
    assert result.cases[0].passed
    assert result.cases[1].error == "time limit exceeded during case 1"
    assert result.cases[2].error == "not run: an earlier case did not return"


@pytest.mark.parametrize(
    ("returned", "expected", "passed"),
    [
        ("True", 1, False),
        ("1", True, False),
        ("True", True, True),
        ("3", 3.0, True),
        ("0.1 + 0.2", 0.3, True),
        ("1e-12", 0.0, True),
        ("float('nan')", {"$float": "nan"}, True),
        ("float('inf')", {"$float": "inf"}, True),
        ("(1, 2)", [1, 2], True),
        ("[1, 2]", {"$tuple": [1, 2]}, True),
        ("{1, 2}", {"$set": [2, 1]}, True),
        ("{1, 2}", [1, 2], False),
        ("[1, 2]", {"$set": [1, 2]}, False),
        ("{'a': [1, (2, 3)]}", {"a": [1, [2, 3]]}, True),
        ("{1: 'x'}", {"$dict": [[1, "x"]]}, True),
        ("{1: 'x'}", {"1": "x"}, False),
        ("None", None, True),
        ("0", None, False),
        ("'abc'", "abc", True),
        ("b'ab'", {"$bytes": "6162"}, True),
        ("2 ** 20000", {"$int": hex(2**20000)}, True),
    ],
)
def test_values_cross_the_boundary_and_compare_deliberately(
    pool: SandboxPool, returned: str, expected: object, passed: bool
) -> None:
    result = judge(pool, f"def f():\n    return {returned}\n", [{"args": [], "expected": expected}])
    assert result.cases[0].passed is passed, result.cases[0]
    assert result.verdict == ("passed" if passed else "failed")


def test_arguments_arrive_as_fresh_plain_values(pool: SandboxPool) -> None:
    program = (
        "def f(xs, t, s, d):\n    xs.append(0)\n    return [type(t).__name__, sorted(s), d[2], len(xs)]\n"
    )
    case = {
        "args": [[1], {"$tuple": [1, 2]}, {"$set": [3, 1]}, {"$dict": [[2, "two"]]}],
        "expected": ["tuple", [1, 3], "two", 2],
    }
    result = judge(pool, program, [case, case])
    assert result.passed  # the second call got a fresh list, not the mutated one


def test_keyword_arguments_are_passed(pool: SandboxPool) -> None:
    result = judge(
        pool, "def f(a, *, b=0):\n    return a - b\n", [{"args": [5], "kwargs": {"b": 2}, "expected": 3}]
    )
    assert result.passed


def test_a_case_without_expected_records_the_value(pool: SandboxPool) -> None:
    result = judge(pool, "def f(x):\n    return {'double': x * 2}\n", [{"args": [21]}])
    assert result.passed and result.cases[0].got == {"double": 42}


def test_a_non_plain_return_is_an_error_for_that_case(pool: SandboxPool) -> None:
    result = judge(
        pool,
        "def f(x):\n    return (lambda: x) if x else x\n",
        [{"args": [0], "expected": 0}, {"args": [1], "expected": 1}],
    )
    assert result.verdict == "error"
    assert result.cases[0].passed and not result.cases[1].passed
    assert "non-plain value" in (result.cases[1].error or "")


def test_stdout_and_stderr_are_captured_and_trimmed(pool: SandboxPool) -> None:
    program = (
        "import sys\n"
        "print('hello')\n"
        "def f(x):\n"
        "    print('x' * 10000)\n"
        "    print('warn', file=sys.stderr)\n"
        "    return x\n"
    )
    result = judge(pool, program, [{"args": [1], "expected": 1}])
    assert result.passed
    assert result.stdout.startswith("hello\nxxx") and "bytes trimmed" in result.stdout
    assert len(result.stdout) < 4200
    assert result.stderr == "warn\n"


def test_an_assert_style_test_reports_the_failing_line(pool: SandboxPool) -> None:
    test = (
        "METADATA = {}\n"
        "def check(candidate):\n"
        "    assert candidate(1) == 2\n"
        "    assert candidate(2) == 4, 'doubling'\n"
    )
    result = pool.judge(JudgeRequest(program="def f(x):\n    return x + 1\n", entry_point="f", test=test))
    assert result.verdict == "failed"
    assert result.error == ("AssertionError: doubling at test line 4: assert candidate(2) == 4, 'doubling'")
    assert len(result.cases) == 1 and result.cases[0].error == result.error


def test_an_assert_style_test_sees_the_candidates_exception_type(pool: SandboxPool) -> None:
    test = (
        "def check(candidate):\n"
        "    try:\n"
        "        candidate(-1)\n"
        "    except ValueError:\n"
        "        pass\n"
        "    else:\n"
        "        raise AssertionError('should raise')\n"
        "    assert candidate(4) == 2\n"
    )
    program = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return int(x ** 0.5)\n"
    assert pool.judge(JudgeRequest(program=program, entry_point="f", test=test)).passed
    # An exception the test does not expect is the candidate's error, not a failure.
    bad = pool.judge(JudgeRequest(program="def f(x):\n    raise KeyError(x)\n", entry_point="f", test=test))
    assert bad.verdict == "error" and "KeyError" in (bad.error or "")


def test_bare_asserts_naming_the_function_work_as_a_test(pool: SandboxPool) -> None:
    result = pool.judge(
        JudgeRequest(
            program="def add(a, b):\n    return a + b\n", entry_point="add", test="assert add(2, 3) == 5\n"
        )
    )
    assert result.passed


def test_the_test_setup_provides_helpers_the_test_uses(pool: SandboxPool) -> None:
    setup = "def helper(x):\n    return x * 10\n\ndef f(x):\n    '''stub'''\n"
    test = "def check(candidate):\n    assert candidate(3) == helper(3)\n"
    result = pool.judge(
        JudgeRequest(program="def f(x):\n    return 30\n", entry_point="f", test=test, test_setup=setup)
    )
    assert result.passed


def test_both_cases_and_a_test_can_be_judged_together(pool: SandboxPool) -> None:
    result = pool.judge(
        JudgeRequest(
            program="def f(x):\n    return x + 1\n",
            entry_point="f",
            cases=[{"args": [1], "expected": 2}],
            test="def check(c):\n    assert c(2) == 3\n",
        )
    )
    assert result.passed and len(result.cases) == 2


def test_a_program_without_cases_passes_when_it_loads(pool: SandboxPool) -> None:
    assert pool.judge(JudgeRequest(program="x = 1\n")).passed
    assert pool.judge(JudgeRequest(program="x = 1 / 0\n")).verdict == "error"


def test_a_malformed_case_is_a_judge_error_not_a_crash(pool: SandboxPool) -> None:
    result = judge(pool, "def f(x):\n    return x\n", [{"args": [{"$set": 5}], "expected": 1}])
    assert result.verdict == "error" and (result.error or "").startswith("judge error")


def test_request_ids_come_back_in_order(pool: SandboxPool) -> None:
    requests = [
        JudgeRequest(
            program=f"def f():\n    return {i}\n",
            entry_point="f",
            cases=[{"args": [], "expected": i}],
            id=f"r{i}",
        )
        for i in range(20)
    ]
    results = pool.judge_batch(requests)
    assert [r.id for r in results] == [f"r{i}" for i in range(20)]
    assert all(r.passed for r in results)


def test_each_case_carries_its_own_wall_time_and_an_unrun_case_none(pool: SandboxPool) -> None:
    program = (
        "import time\ndef f(x):\n    if x == 2:\n        while True: pass\n"
        "    time.sleep(x * 0.2)\n    return x\n"
    )
    result = judge(pool, program, [{"args": [i], "expected": i} for i in range(4)], timeout_s=2.0)
    fast, slow, stuck, unrun = result.cases
    assert fast.duration_ms is not None and slow.duration_ms is not None
    assert fast.duration_ms < 150 and 190 <= slow.duration_ms < 1000
    # The case that timed out never replied; the one after it never ran.
    assert stuck.duration_ms is None and unrun.duration_ms is None
    assert result.verdict == Verdict.TIMEOUT


def test_an_assert_style_test_is_timed_as_one_case(pool: SandboxPool) -> None:
    check = "import time\ndef check(candidate):\n    time.sleep(0.2)\n    assert candidate(1) == 2\n"
    result = pool.judge(JudgeRequest(program="def f(x):\n    return x + 1\n", entry_point="f", test=check))
    assert result.passed
    (case,) = result.cases
    assert case.duration_ms is not None and 190 <= case.duration_ms < 2000

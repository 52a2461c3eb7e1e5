"""The tagged codec, the comparison rules and the wire types, without any process."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sandbox import CaseOutcome, JudgeRequest, JudgeResult, Verdict
from sandbox.codec import NonPlainValueError, decode, dumps, encode, loads
from sandbox.compare import values_equal
from sandbox.types import RequestError


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -5,
        2**70,
        [2**20000],
        1.5,
        "héllo",
        b"\x00\xff",
        [1, [2]],
        (1, "a"),
        {1, 2},
        frozenset({(1, 2)}),
        {"a": 1},
        {1: "x", (2, 3): [4]},
        {"$set": 1},
        [],
    ],
)
def test_plain_values_round_trip_through_tagged_json(value: object) -> None:
    back = loads(dumps(value))
    assert (back == value and type(back) is type(value)) or (
        isinstance(value, frozenset) and back == set(value)
    )


def test_non_finite_floats_round_trip() -> None:
    assert math.isnan(loads(dumps(float("nan"))))
    assert loads(dumps([float("inf"), float("-inf")])) == [float("inf"), float("-inf")]


@pytest.mark.parametrize(
    "value", [object(), print, 1j, type("S", (str,), {})("x"), {"k": object()}, [range(3)]]
)
def test_anything_but_plain_data_is_refused(value: object) -> None:
    with pytest.raises(NonPlainValueError):
        encode(value)


def test_a_cycle_is_refused_rather_than_looping() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(NonPlainValueError):
        encode(loop)


@pytest.mark.parametrize(
    "data", [{"$set": 1}, {"$dict": [[1]]}, {"$float": "x"}, {"$set": [{"a": 1}]}, {"$bytes": "zz"}]
)
def test_malformed_tags_are_refused(data: object) -> None:
    with pytest.raises(ValueError):
        decode(data)


@pytest.mark.parametrize(
    ("expected", "got", "equal"),
    [
        (True, True, True),
        (True, 1, False),
        (1, True, False),
        (0, False, False),
        (3, 3, True),
        (3, 3.0, True),
        (0.1 + 0.2, 0.3, True),
        (1.0, 1.0 + 1e-8, False),
        (float("nan"), float("nan"), True),
        (float("inf"), float("inf"), True),
        (float("inf"), 1e308, False),
        ("a", "a", True),
        ("a", b"a", False),
        (None, None, True),
        (None, 0, False),
        ([1, 2], (1, 2), True),
        ((1, 2), [1, 2], True),
        ([1, 2], [2, 1], False),
        ([1], [1, 1], False),
        ({1, 2}, {2, 1}, True),
        ({1, 2}, [1, 2], False),
        ([1, 2], {1, 2}, False),
        ({True}, {1}, False),
        ({1}, {1.0}, True),
        ({"a": [1]}, {"a": (1,)}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({1: "x"}, {True: "x"}, False),
        ({(1, 2): 3}, {(1, 2): 3}, True),
    ],
)
def test_values_compare_by_the_documented_rules(expected: object, got: object, equal: bool) -> None:
    assert values_equal(expected, got) is equal


def test_a_request_round_trips_through_json() -> None:
    request = JudgeRequest(
        program="def f(): pass",
        entry_point="f",
        cases=[{"args": [1], "expected": {"$tuple": [1]}}],
        test=None,
        timeout_s=2,
        memory_mb=256,
        id="x",
        test_setup="import math",
    )
    again = JudgeRequest.from_dict(json.loads(json.dumps(request.to_dict())))
    assert again == request and again.timeout_s == 2.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"program": "x", "tests": "oops"}, "unknown field"),
        ({"program": "x", "entry_point": "f", "cases": [{"args": 1}]}, "case 0"),
        ({"program": "x", "entry_point": "f", "cases": [{"args": [], "expect": 1}]}, "unknown"),
        ({"program": "x", "cases": [{"args": []}]}, "entry_point"),
        ({"program": "x", "timeout_s": 0}, "timeout_s"),
        ({"program": "x", "timeout_s": float("nan")}, "timeout_s"),
        ({"program": "x", "memory_mb": 8}, "memory_mb"),
        ({"entry_point": "f"}, "program"),
        ({"program": 5}, "program"),
    ],
)
def test_a_malformed_request_is_refused_with_a_reason(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        JudgeRequest.from_dict(fields)


def test_a_result_round_trips_through_json() -> None:
    result = JudgeResult(
        verdict=Verdict.FAILED,
        cases=[CaseOutcome(0, [1], 2, 3, False, None)],
        stdout="o",
        stderr="e",
        duration_s=0.5,
        isolation="rlimits",
        flags=["gc"],
        error="1 of 1 cases failed",
        id="t",
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["verdict"] == "failed"
    assert JudgeResult.from_dict(data) == result


def test_verdicts_order_from_most_to_least_severe() -> None:
    order = ["syntax_error", "crashed", "timeout", "error", "failed", "passed"]
    assert [v.value for v in Verdict] == order
    assert Verdict.worst([Verdict.FAILED, Verdict.ERROR, Verdict.PASSED]) == Verdict.ERROR
    assert Verdict.worst([]) == Verdict.PASSED
    assert json.dumps([Verdict.ERROR]) == '["error"]'  # a str enum: serialises as its value
    assert Verdict("error") is Verdict.ERROR

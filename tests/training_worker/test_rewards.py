"""The RL reward judged by the real sandbox: correct code earns it, tampering never does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import SandboxClient
from tests.training_worker.tiny import PROBLEMS
from training_worker.contracts import ProblemRecord
from training_worker.rewards import CATEGORIES, SandboxReward

ADD = [ProblemRecord.from_dict(PROBLEMS[0])]


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    with SandboxClient(workers=2) as c:
        yield c


def fenced(code: str) -> list[dict[str, str]]:
    """A conversational completion, as TRL hands it to reward functions."""
    return [{"role": "assistant", "content": f"Here you go:\n```python\n{code}\n```"}]


COMPLETIONS = {
    "correct": "def add(a, b):\n    return a + b",
    "wrong": "def add(a, b):\n    return a - b",
    "half": "def add(a, b):\n    return 3 if a == 1 else 1",
    "sys_exit": "import sys\ndef add(a, b):\n    sys.exit(0)",
    "os_exit": "import os\ndef add(a, b):\n    os._exit(0)",
    "module_exit": "import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b",
    "always_equal": (
        "class Eq:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Eq()"
    ),
    "forged_output": "def add(a, b):\n    print('All tests passed')\n    return 0",
    "syntax": "def add(a, b)\n    return a + b",
    "raises": "def add(a, b):\n    raise ValueError('no')",
    "loops": "def add(a, b):\n    while True:\n        pass",
}


def judge(
    client: SandboxClient, names: list[str], **kw: Any
) -> tuple[list[float], list[dict[str, Any]], dict[str, float]]:
    reward = SandboxReward(ADD, client, timeout_s=1.0, **kw)
    metrics: dict[str, float] = {}
    scores = reward(
        prompts=[[{"role": "user", "content": ADD[0].prompt}]] * len(names),
        completions=[fenced(COMPLETIONS[n]) for n in names],
        task_id=["tiny/add"] * len(names),
        log_metric=metrics.__setitem__,
    )
    return scores, reward.drain(), metrics


def test_a_rollout_that_exits_or_returns_an_always_equal_object_is_rewarded_zero(
    client: SandboxClient,
) -> None:
    names = ["sys_exit", "os_exit", "module_exit", "always_equal"]
    scores, rows, _ = judge(client, names, mode="fraction", format_weight=0.1)
    assert scores == [0.0, 0.0, 0.0, 0.0]
    assert [r["category"] for r in rows] == ["tampering"] * 4
    assert [r["tampering"] for r in rows] == ["exit", "exit", "exit", "nonplain"]


def test_each_outcome_falls_in_one_category_and_the_shares_sum_to_one(client: SandboxClient) -> None:
    names = list(COMPLETIONS)
    scores, rows, metrics = judge(client, names)
    by_name = {n: (s, r) for n, s, r in zip(names, scores, rows, strict=True)}
    expected = {
        "correct": "passed",
        "wrong": "wrong_answer",
        "half": "wrong_answer",
        "forged_output": "tampering",
        "syntax": "syntax_error",
        "raises": "runtime_error",
        "loops": "timeout",
    }
    for name, category in expected.items():
        assert by_name[name][1]["category"] == category, name
    assert by_name["forged_output"][1]["tampering"] == "forged_output"
    assert [n for n in names if by_name[n][0] > 0] == ["correct"]
    assert set(metrics) == {f"rollouts/{c}" for c in CATEGORIES}
    assert abs(sum(metrics.values()) - 1) < 1e-9
    assert metrics["rollouts/passed"] == pytest.approx(1 / len(names))
    row = by_name["correct"][1]
    assert row["verdict"] == "passed" and row["code"].startswith("def add") and row["cases_passed"] == 2


def test_fraction_mode_pays_for_the_share_of_cases_and_format_adds_a_little(client: SandboxClient) -> None:
    scores, _, _ = judge(client, ["half", "correct", "wrong"], mode="fraction", format_weight=0.1)
    assert scores == pytest.approx([0.5 + 0.1, 1.0 + 0.1, 0.0 + 0.1])
    binary, _, _ = judge(client, ["half", "correct"], mode="binary")
    assert binary == [0.0, 1.0]

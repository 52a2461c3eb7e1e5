"""HumanEval through ``python -m sandbox evaluate``, as a real subprocess."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from .conftest import HUMANEVAL, run_cli


def write_samples(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def evaluate(samples: Path, *extra: str) -> tuple[dict[str, float], list[dict[str, Any]]]:
    done = run_cli(
        "evaluate", "--problems", str(HUMANEVAL), "--samples", str(samples), "--workers", "2", *extra
    )
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout.strip().splitlines()[-1])
    results_path = Path(f"{samples}_results.jsonl")
    results = [json.loads(line) for line in results_path.read_text().splitlines()]
    return scores, results


def test_all_164_canonical_solutions_pass(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    samples = write_samples(
        tmp_path / "canonical.jsonl",
        [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in humaneval],
    )
    scores, results = evaluate(samples, "--k", "1,10")
    failing = [(r["task_id"], r["verdict"], r["result"]["error"]) for r in results if not r["passed"]]
    assert failing == []
    assert scores == {"pass@1": 1.0}  # k=10 > n=1 is not reported
    first = results[0]
    assert first["task_id"] == "HumanEval/0" and first["completion"]
    assert first["verdict"] == "passed" and first["result"]["isolation"]


def test_all_164_empty_completions_fail(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    samples = write_samples(
        tmp_path / "empty.jsonl", [{"task_id": p["task_id"], "completion": ""} for p in humaneval]
    )
    scores, results = evaluate(samples)
    assert [r["task_id"] for r in results if r["passed"]] == []
    assert scores == {"pass@1": 0.0}


def test_shuffled_solutions_fail_nearly_everywhere(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    order = list(range(len(humaneval)))
    random.Random(1234).shuffle(order)
    rows = []
    for i, p in enumerate(humaneval):
        j = order[i] if order[i] != i else order[(i + 1) % len(order)]
        donor = humaneval[j]
        # Another problem's whole solution, renamed to this problem's entry point.
        code = (donor["prompt"] + donor["canonical_solution"]).replace(
            f"def {donor['entry_point']}(", f"def {p['entry_point']}("
        )
        rows.append({"task_id": p["task_id"], "solution": code})
    _, results = evaluate(write_samples(tmp_path / "shuffled.jsonl", rows), "--timeout", "2")
    failed = sum(not r["passed"] for r in results)
    assert failed >= 160, [r["task_id"] for r in results if r["passed"]]


def test_chat_style_solutions_are_extracted_and_pass(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    rows = []
    for p in humaneval[:40]:
        code = p["prompt"] + p["canonical_solution"]
        rows.append(
            {
                "task_id": p["task_id"],
                "solution": f"Sure! Here you go:\n\n```python\n{code}```\n\nHope it helps.",
            }
        )
    scores, results = evaluate(write_samples(tmp_path / "chat.jsonl", rows), "--k", "1")
    assert scores == {"pass@1": 1.0}, [
        (r["task_id"], r["result"]["error"]) for r in results if not r["passed"]
    ]


def test_pass_at_k_covers_every_k_up_to_n(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    rows = []
    for p in humaneval[:10]:
        rows += [{"task_id": p["task_id"], "completion": p["canonical_solution"]}] * 2
        rows += [{"task_id": p["task_id"], "completion": "    return None\n"}] * 2
    scores, _ = evaluate(write_samples(tmp_path / "mixed.jsonl", rows), "--k", "1,2,4,8")
    assert scores == pytest.approx({"pass@1": 0.5, "pass@2": 1 - 1 / 6, "pass@4": 1.0})


def test_an_unknown_task_is_refused(humaneval: list[dict[str, Any]], tmp_path: Path) -> None:
    samples = write_samples(tmp_path / "bad.jsonl", [{"task_id": "Nope/1", "completion": ""}])
    done = run_cli("evaluate", "--problems", str(HUMANEVAL), "--samples", str(samples))
    assert done.returncode == 2 and "unknown task" in done.stderr


def test_problems_in_our_format_with_native_cases_are_judged(tmp_path: Path) -> None:
    problems = tmp_path / "problems.jsonl"
    problems.write_text(
        json.dumps(
            {
                "task_id": "atom/1",
                "prompt": "Return the sum of the squares of xs.",
                "entry_point": "sumsq",
                "cases": [{"args": [[1, 2]], "expected": 5}, {"args": [[]], "expected": 0}],
            }
        )
        + "\n"
    )
    samples = write_samples(
        tmp_path / "s.jsonl",
        [
            {
                "task_id": "atom/1",
                "solution": "```python\ndef sumsq(xs):\n    return sum(x*x for x in xs)\n```",
            },
            {"task_id": "atom/1", "solution": "def sumsq(xs):\n    return sum(xs)\n"},
            {"task_id": "atom/1", "completion": "def sumsq(xs):\n    return 5\n"},
        ],
    )
    out = tmp_path / "out.jsonl"
    done = run_cli(
        "evaluate", "--problems", str(problems), "--samples", str(samples), "--k", "1,2", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["verdict"] for r in results] == ["passed", "failed", "failed"]
    assert results[1]["result"]["cases"][0]["got"] == 3
    assert json.loads(done.stdout.splitlines()[-1]) == pytest.approx({"pass@1": 1 / 3, "pass@2": 2 / 3})

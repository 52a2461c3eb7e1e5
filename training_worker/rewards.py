"""RL rewards: the sandbox's judgement of the code extracted from each completion.

- Correctness by mode (registry :data:`CORRECTNESS`): ``binary`` (every case passed) or
  ``fraction`` (share of cases passed).
- An optional small format reward (registry :data:`SHAPING`): the answer is one ```python
  block that defines the entry point.
- A rollout the sandbox saw tampering with the judge (exiting, returning an object that is
  not plain data such as an always-equal object, or reaching for the interpreter's
  machinery) scores 0 in total, whatever else it did.

Every judged completion becomes a rollout row (completion, extracted code, verdict,
category) that the runner writes as a JSONL artifact per logged step; the share of
rollouts per category goes into the step's metrics as ``rollouts/<category>``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.categories import Category, categorize
from training_worker.contracts import ProblemRecord

if TYPE_CHECKING:
    from sandbox import JudgeResult, SandboxClient

#: Every category a rollout can fall in, in the order legends list them: the shared vocabulary
#: (``sandbox.categories``), so rollout shares and evaluation shares name the same things.
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
#: Rollout rows keep at most this much of each text field.
_KEEP_CHARS = 4000


def cases_passed(result: JudgeResult) -> tuple[int, int]:
    """``(passed, total)`` cases of a verdict (a test counts as one case)."""
    return sum(1 for c in result.cases if c.passed), len(result.cases)


def binary_correctness(result: JudgeResult) -> float:
    """1 when the sandbox passed the program, else 0."""
    return 1.0 if result.passed else 0.0


def fraction_correctness(result: JudgeResult) -> float:
    """The share of cases passed (0 without cases)."""
    passed, total = cases_passed(result)
    return 1.0 if result.passed else (passed / total if total else 0.0)


#: reward_mode -> correctness score of a verdict (a new mode is one function and one line).
CORRECTNESS: dict[str, Callable[[JudgeResult], float]] = {
    "binary": binary_correctness,
    "fraction": fraction_correctness,
}

_FENCE = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.S)


def format_score(completion: str, record: ProblemRecord) -> float:
    """1 when the answer holds exactly one fenced Python block that defines the entry point."""
    blocks = _FENCE.findall(completion)
    if len(blocks) != 1:
        return 0.0
    return 1.0 if re.search(rf"^\s*def\s+{re.escape(record.entry_point)}\s*\(", blocks[0], re.M) else 0.0


#: Name -> shaping term (weighted by the config's ``format_reward_weight``).
SHAPING: dict[str, Callable[[str, ProblemRecord], float]] = {"format": format_score}


def completion_text(completion: Any) -> str:
    """The assistant's text of a TRL completion (a string, or a conversational message list)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    return str(completion)


@dataclass
class Judged:
    """One completion, judged."""

    reward: float
    correctness: float
    format: float
    category: str
    tampering: str | None
    code: str
    error_type: str
    result: JudgeResult


class SandboxReward:
    """The reward function handed to TRL's GRPO/RLOO trainers.

    Called with the batch's ``completions`` and dataset columns (``task_id``); judges the
    whole batch in one ``judge_batch`` call, logs the category shares with TRL's
    ``log_metric``, and keeps a rollout row per completion until :meth:`drain`."""

    __name__ = "sandbox"  # TRL names reward columns and metrics after the function

    def __init__(
        self,
        records: Iterable[ProblemRecord],
        client: SandboxClient,
        *,
        mode: str = "binary",
        format_weight: float = 0.0,
        timeout_s: float = 5.0,
    ) -> None:
        if mode not in CORRECTNESS:
            raise ValueError(f"reward_mode: must be one of {', '.join(CORRECTNESS)}, got {mode!r}")
        self.records = {r.task_id: r for r in records}
        self.client = client
        self.correctness = CORRECTNESS[mode]
        self.format_weight = format_weight
        self.timeout_s = timeout_s
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def judge(self, completions: list[str], task_ids: list[str]) -> list[Judged]:
        """Judge completions of the given tasks in one sandbox batch."""
        from sandbox import JudgeRequest, extract_code

        records = [self.records[t] for t in task_ids]
        codes = [
            extract_code(text, r.entry_point, r.prompt) for text, r in zip(completions, records, strict=True)
        ]
        requests = [
            JudgeRequest(
                program=code,
                entry_point=r.entry_point,
                cases=r.cases or None,
                test=r.test,
                timeout_s=self.timeout_s,
                id=str(i),
            )
            for i, (code, r) in enumerate(zip(codes, records, strict=True))
        ]
        results = self.client.judge_batch(requests)
        judged = []
        for text, code, record, result in zip(completions, codes, records, results, strict=True):
            seen = categorize(result, program=code)
            correctness = self.correctness(result)
            shaping = format_score(text, record) if self.format_weight else 0.0
            reward = 0.0 if seen.tampering else correctness + self.format_weight * shaping
            judged.append(
                Judged(
                    reward,
                    correctness,
                    shaping,
                    seen.category.value,
                    seen.tampering,
                    code,
                    seen.error_type,
                    result,
                )
            )
        return judged

    def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        task_id: list[str],
        trainer_state: Any = None,
        log_metric: Callable[[str, float], None] | None = None,
        **_: Any,
    ) -> list[float]:
        """TRL's reward-function signature: one float per completion."""
        texts = [completion_text(c) for c in completions]
        judged = self.judge(texts, list(task_id))
        step = int(getattr(trainer_state, "global_step", 0)) + 1  # the step these rollouts train
        if log_metric is not None:
            for category in CATEGORIES:
                log_metric(f"rollouts/{category}", sum(j.category == category for j in judged) / len(judged))
        rows = [
            _rollout_row(step, tid, completion_text(p), text, j)
            for p, tid, text, j in zip(prompts, task_id, texts, judged, strict=True)
        ]
        with self._lock:
            self._rows.extend(rows)
        return [j.reward for j in judged]

    def drain(self) -> list[dict[str, Any]]:
        """The rollout rows gathered since the last call."""
        with self._lock:
            rows, self._rows = self._rows, []
        return rows


def _rollout_row(step: int, task_id: str, prompt: str, completion: str, judged: Judged) -> dict[str, Any]:
    result = judged.result
    passed, total = cases_passed(result)
    return {
        "step": step,
        "task_id": task_id,
        "prompt": prompt[:_KEEP_CHARS],
        "completion": completion[:_KEEP_CHARS],
        "code": judged.code[:_KEEP_CHARS],
        "verdict": str(result.verdict),
        "category": judged.category,
        "error_type": judged.error_type,
        "tampering": judged.tampering,
        "reward": judged.reward,
        "correctness": judged.correctness,
        "format": judged.format,
        "cases_passed": passed,
        "cases_total": total,
        "error": (result.error or "")[:1000] or None,
        "flags": list(result.flags),
        "cases": [
            {
                "index": c.index,
                "passed": c.passed,
                "got": _short(c.got),
                "error": (c.error or "")[:300] or None,
            }
            for c in result.cases[:20]
        ],
        "stdout": (result.stdout or "")[:500],
        "duration_s": result.duration_s,
    }


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 300 else text[:300] + "…"

"""Problem records in, training rows out: SFT prompt-completion pairs and RL prompts.

One derivation of the model's input from a record (:func:`user_message`), shared by SFT,
RL and evaluation, so that a model is always asked the same way. Cases and tests never
reach the model; the RL reward looks them up by ``task_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sandbox.jsonl import JsonlError, read_objects
from training_worker.contracts import TRAIN_ROLE, ContractError, ProblemRecord
from training_worker.storage import Storage, StorageError

#: Snapshot rows carry ``meta.mixture.role``; only these train a model.
TRAIN_ROLES = frozenset({TRAIN_ROLE})

_CODE_PROMPT = re.compile(r"^\s*(def |async def |from \S+ import |import |class |@)", re.M)


class DataError(ValueError):
    """A snapshot file is missing or holds something other than problem records."""


def read_records(uri: str) -> Iterator[ProblemRecord]:
    """The problem records of one JSONL file at ``uri`` (local path or fsspec URL)."""
    try:
        with Storage(uri).open("", "rb") as fh:
            for lineno, data in read_objects(fh):
                try:
                    yield ProblemRecord.from_dict(data)
                except (ValueError, ContractError) as exc:
                    raise DataError(f"{uri}:{lineno}: {exc}") from None
    except JsonlError as exc:
        raise DataError(f"{uri}:{exc.lineno}: {exc.reason}") from None
    except StorageError as exc:
        raise DataError(str(exc)) from None


def role(record: ProblemRecord) -> str:
    """The record's role in its snapshot (``train`` when it was not built by a mixture)."""
    return record.role


def train_records(uris: Iterable[str]) -> list[ProblemRecord]:
    """The training records of every snapshot file, in file order."""
    records = [r for uri in uris for r in read_records(uri) if role(r) in TRAIN_ROLES]
    if not records:
        raise DataError(f"no training rows in {', '.join(uris)}")
    return records


def is_translation(record: ProblemRecord) -> bool:
    """A prompt-translation record: its solution is prose, not code."""
    return record.meta.get("kind") == "translation" or record.source.startswith("prompt_translation")


#: Appended to code tasks: small instruct models otherwise often answer with prose only.
ANSWER_FORMAT = "Answer with the complete Python function in one ```python code block."


def user_message(record: ProblemRecord) -> str:
    """What the model is asked. A natural-language task is asked as it is, a code prompt
    (HumanEval style: a signature and docstring) is asked to be completed; code tasks end
    with :data:`ANSWER_FORMAT`."""
    if is_translation(record):
        return record.prompt
    if not _CODE_PROMPT.search(record.prompt.split("\n", 1)[0]):
        return f"{record.prompt.rstrip()}\n\n{ANSWER_FORMAT}"
    code = record.prompt.rstrip()
    return f"Complete the following Python function.\n\n```python\n{code}\n```\n\n{ANSWER_FORMAT}"


def assistant_answer(record: ProblemRecord) -> str:
    """The target answer for SFT: the solution in one ```python block (prose for translations)."""
    if is_translation(record):
        return record.solution.strip()
    return f"```python\n{record.solution.strip()}\n```"


def sft_rows(records: Iterable[ProblemRecord]) -> list[dict[str, Any]]:
    """Conversational prompt-completion rows: TRL applies the model's chat template and
    computes the loss on the completion only."""
    return [
        {
            "prompt": [{"role": "user", "content": user_message(r)}],
            "completion": [{"role": "assistant", "content": assistant_answer(r)}],
        }
        for r in records
    ]


def rl_rows(records: Iterable[ProblemRecord]) -> list[dict[str, Any]]:
    """Conversational prompts for RL, with the ``task_id`` the reward looks the record up by.
    Records the sandbox cannot judge (no cases, no test, translations) are left out."""
    return [
        {"prompt": [{"role": "user", "content": user_message(r)}], "task_id": r.task_id}
        for r in records
        if r.judgeable and not is_translation(r)
    ]

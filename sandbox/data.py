"""Problem and sample files (JSONL, optionally gzipped) and the requests built from them.

Problems: HumanEval's records (``prompt``, ``test``, ``entry_point``) or ours (``cases``,
see DESIGN.md "The problem record"); both fields may be present. Samples: ``task_id`` and
either ``completion`` (appended to the prompt, as in HumanEval) or ``solution`` (a whole
program or a chat answer, passed through ``extract_code``)."""

from __future__ import annotations

import ast
import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from sandbox.extract import extract_code
from sandbox.jsonl import JsonlError, read_objects
from sandbox.types import JudgeRequest


class DataError(ValueError):
    """A problem or sample file is malformed."""


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return open(path, mode, encoding="utf-8")  # returned to a with-block


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a ``.jsonl`` or ``.jsonl.gz`` file, skipping blank lines, read with
    :func:`sandbox.jsonl.read_objects`; a bad line is a :class:`DataError` naming it."""
    path = Path(path)
    with open(path, "rb") as fh:
        try:
            for _lineno, record in read_objects(fh):
                yield record
        except JsonlError as exc:
            where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
            raise DataError(f"{where}: {exc.reason}") from None


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object per line (gzipped when the name ends in ``.gz``)."""
    with _open(Path(path), "w") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")


def read_problems(path: str | Path) -> dict[str, dict[str, Any]]:
    """Problems by ``task_id``; each must have an entry point and a test or cases."""
    problems: dict[str, dict[str, Any]] = {}
    for record in read_jsonl(path):
        task_id = record.get("task_id")
        if not isinstance(task_id, str):
            raise DataError(f"{path}: a problem without a string task_id")
        if not record.get("entry_point"):
            raise DataError(f"{path}: problem {task_id} has no entry_point")
        if not record.get("test") and not record.get("cases"):
            # Without either, every sample would pass: refuse rather than mislead.
            raise DataError(f"{path}: problem {task_id} has neither test nor cases")
        problems[task_id] = record
    return problems


def is_code(text: str | None) -> bool:
    """Whether ``text`` parses as Python (HumanEval's prompts do; natural language not)."""
    if not text:
        return False
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def program_for_sample(problem: dict[str, Any], sample: dict[str, Any]) -> str:
    """The full program a sample stands for."""
    prompt = problem.get("prompt")
    if "solution" in sample:
        return extract_code(
            str(sample["solution"]), problem["entry_point"], prompt if isinstance(prompt, str) else None
        )
    if "completion" in sample:
        completion = str(sample["completion"])
        # HumanEval: the completion continues the prompt. A natural-language prompt cannot be
        # continued by code, so there the completion is the program.
        if isinstance(prompt, str) and is_code(prompt):
            return prompt + completion
        return completion
    raise DataError(f"sample for {sample.get('task_id')} has neither completion nor solution")


def request_for_sample(
    problem: dict[str, Any], sample: dict[str, Any], timeout_s: float, memory_mb: int = 512
) -> JudgeRequest:
    """The judge request for one sample of ``problem``."""
    prompt = problem.get("prompt")
    test = problem.get("test") or None
    return JudgeRequest(
        program=program_for_sample(problem, sample),
        entry_point=str(problem["entry_point"]),
        cases=problem.get("cases") or None,
        test=test,
        test_setup=prompt if test and isinstance(prompt, str) and is_code(prompt) else None,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        id=str(problem["task_id"]),
    )

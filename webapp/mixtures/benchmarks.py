"""Parsing a HumanEval-format file: JSONL, gzipped or not, one problem per line with string
fields ``task_id``, ``prompt``, ``canonical_solution``, ``test`` and ``entry_point``; and the
problem record such a problem becomes (:func:`benchmark_record`), which every line must make.

The file is read as a stream, line by line, with caps on what it may decompress to and on
the length of one line: a 3 MB gzip bomb used to be decompressed whole (6.3 GB resident).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

from sandbox import jsonlimit
from sandbox.jsonl import JsonlError, read_objects
from training_worker.contracts import ProblemRecord
from webapp.core.problems import InvalidRecord, building

FIELDS: tuple[str, ...] = ("task_id", "prompt", "canonical_solution", "test", "entry_point")
#: HumanEval is 200 KB; a file a thousand times larger is a mistake, not a benchmark.
MAX_BYTES = 200 * 1024 * 1024

#: A benchmark's name: it becomes the source ``benchmark:<name>`` in recipes.
BENCHMARK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def benchmark_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a benchmark (``None`` when it can), said for a researcher."""
    if BENCHMARK_NAME.match(name):
        return None
    return f"benchmark name {name!r}: use lowercase letters, digits, '-' and '_' (at most 64)"


#: The same cap on what a gzipped file may decompress to.
MAX_DECOMPRESSED_BYTES = MAX_BYTES
#: HumanEval's longest line is 9 KB; one problem of more than 4 MB is not a problem.
MAX_LINE_BYTES = 4 * 1024 * 1024


#: What a size refusal adds, so the message says why the limit is not in the way of a real file.
_WHY_SMALLER: dict[str, str] = {
    "file_size": "; a benchmark is far smaller",
    "line_size": "; one problem is far smaller",
}


class BenchmarkImportError(ValueError):
    """The import cannot be done; the message names the line (of a bad file) and ``field``
    says which input it is about (``file`` or ``name``), so a form shows it there."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


def benchmark_record(
    benchmark: str, *, task_id: str, prompt: str, canonical_solution: str, test: str, entry_point: str
) -> ProblemRecord:
    """A HumanEval-format problem of benchmark ``benchmark`` as a problem record: ``prompt``
    is the benchmark's prompt, ``solution`` is prompt + canonical solution (a whole
    program), ``test`` is its ``check`` code, ``cases`` is empty; ``meta.original_task_id``
    keeps the benchmark's own id (``HumanEval/0``). English only."""
    record_id = f"benchmark/{benchmark}/{task_id}"
    with building(record_id):
        return ProblemRecord(
            task_id=record_id,
            source="benchmark",
            pool=None,
            lang="en",
            prompt=prompt,
            entry_point=entry_point,
            solution=prompt + canonical_solution,
            cases=[],
            test=test,
            meta={"benchmark": benchmark, "original_task_id": task_id, "topic": None},
        )


def parse_benchmark(data: bytes | IO[bytes], *, name: str = "import") -> list[dict[str, str]]:
    """The problems of a HumanEval-format file (its bytes, or a binary stream that can seek
    back to its start), in file order, each checked to make a valid problem record of
    benchmark ``name``. Blank lines are skipped; the first bad line raises
    :class:`BenchmarkImportError` with its 1-based line number."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise BenchmarkImportError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = io.BytesIO(data)
    data.seek(0)
    objects = read_objects(
        data,
        max_bytes=MAX_DECOMPRESSED_BYTES,
        max_line_bytes=MAX_LINE_BYTES,
        max_depth=jsonlimit.UPLOAD_MAX_DEPTH,
    )
    try:
        problems = _problems(objects, name)
    except JsonlError as exc:
        raise BenchmarkImportError(f"{exc}{_WHY_SMALLER.get(exc.kind, '')}") from exc
    if not problems:
        raise BenchmarkImportError("the file holds no problems")
    return problems


def _problems(objects: Iterator[tuple[int, dict[str, Any]]], name: str) -> list[dict[str, str]]:
    """Each object checked as a HumanEval problem of benchmark ``name``, in file order."""
    problems: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for lineno, obj in objects:
        missing = [f for f in FIELDS if f not in obj]
        if missing:
            raise BenchmarkImportError(f"line {lineno}: missing field(s) {', '.join(missing)}")
        wrong = [f for f in FIELDS if not isinstance(obj[f], str)]
        if wrong:
            raise BenchmarkImportError(f"line {lineno}: field(s) {', '.join(wrong)} must be strings")
        if not obj["task_id"].strip() or not obj["entry_point"].strip():
            raise BenchmarkImportError(f"line {lineno}: task_id and entry_point must not be empty")
        if obj["task_id"] in seen:
            raise BenchmarkImportError(
                f"line {lineno}: task_id {obj['task_id']!r} repeats line {seen[obj['task_id']]}"
            )
        seen[obj["task_id"]] = lineno
        problem = {f: obj[f] for f in FIELDS}
        try:
            benchmark_record(name, **problem)
        except InvalidRecord as exc:
            raise BenchmarkImportError(
                f"line {lineno}: task {obj['task_id']!r} is not a valid problem record: {exc.reason}"
            ) from None
        problems.append(problem)
    return problems

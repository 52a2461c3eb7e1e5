"""Parsing a HumanEval-format file: JSONL, gzipped or not, one problem per line with string
fields ``task_id``, ``prompt``, ``canonical_solution``, ``test`` and ``entry_point``."""

from __future__ import annotations

import gzip
import json
import zlib

FIELDS: tuple[str, ...] = ("task_id", "prompt", "canonical_solution", "test", "entry_point")
#: HumanEval is 200 KB; a file a thousand times larger is a mistake, not a benchmark.
MAX_BYTES = 200 * 1024 * 1024


class BenchmarkImportError(ValueError):
    """The file is not a HumanEval-format benchmark; the message names the line."""


def _decompress(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise BenchmarkImportError(f"the file looks gzipped but cannot be decompressed: {exc}") from exc


def parse_benchmark(data: bytes) -> list[dict[str, str]]:
    """The problems of a HumanEval-format file, in file order. Blank lines are skipped; the
    first bad line raises :class:`BenchmarkImportError` with its 1-based line number."""
    if len(data) > MAX_BYTES:
        raise BenchmarkImportError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    text = _decompress(data)
    problems: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BenchmarkImportError(f"line {lineno}: not UTF-8 text ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise BenchmarkImportError(
                f"line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})"
            ) from exc
        if not isinstance(obj, dict):
            raise BenchmarkImportError(f"line {lineno}: expected a JSON object, got {type(obj).__name__}")
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
        problems.append({f: obj[f] for f in FIELDS})
    if not problems:
        raise BenchmarkImportError("the file holds no problems")
    return problems

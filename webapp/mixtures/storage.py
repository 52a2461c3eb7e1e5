"""Snapshot files under ``ARTIFACT_ROOT`` (DESIGN.md, "Artifacts"): ``snapshots/<sha256>.jsonl``.

Reading and writing go through ``training_worker.storage`` (the one artifact module, shared
with the GPU workers) at the one root of ``webapp.core.artifacts``, so a snapshot written here
is the file a worker reads. :func:`snapshot_file` returns a local ``Path`` and so still needs a
local root.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from sandbox.jsonl import JsonlError, read_objects
from training_worker.contracts import ProblemRecord
from training_worker.storage import StorageError, write_atomically
from webapp.core.artifacts import artifact_root, artifact_storage
from webapp.core.problems import InvalidRecord, building, record_json

__all__ = [
    "read_snapshot",
    "record_line",
    "snapshot_file",
    "snapshot_relpath",
    "snapshot_uri",
    "write_atomically",
    "write_snapshot",
]


def snapshot_relpath(sha256: str, suffix: str = "jsonl") -> str:
    """Where a snapshot lives, relative to the artifact root."""
    return f"snapshots/{sha256}.{suffix}"


def snapshot_uri(sha256: str) -> str:
    """The URI of a snapshot file as workers read it (absolute: see ``core.artifacts``)."""
    return artifact_storage().uri(snapshot_relpath(sha256))


def snapshot_file(sha256: str, suffix: str = "jsonl") -> Path:
    """The absolute path of a snapshot file (it may not exist yet)."""
    return artifact_root() / snapshot_relpath(sha256, suffix)


def record_line(record: ProblemRecord) -> bytes:
    """One canonical snapshot line: :func:`~webapp.core.problems.record_json` of the record
    (no ``schema_version`` for a version 1 record, so lines and hashes are those of snapshots
    frozen before records had a version) with sorted keys and no spaces, so equal records
    hash equally."""
    text = json.dumps(record_json(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode()


def write_snapshot(lines: list[bytes]) -> tuple[str, Path, int]:
    """Store canonical lines as ``snapshots/<sha256>.jsonl``; returns ``(sha256, path, size)``.
    A file that already exists has this exact content (its name is its hash) and is kept."""
    digest = hashlib.sha256()
    size = 0
    for line in lines:
        digest.update(line)
        size += len(line)
    sha = digest.hexdigest()
    path = snapshot_file(sha)  # callers still want a local path: refuse a remote root up front
    storage = artifact_storage()
    if not storage.exists(snapshot_relpath(sha)):
        storage.write_bytes(snapshot_relpath(sha), b"".join(lines))
    return sha, path, size


def read_snapshot(sha256: str) -> Iterator[ProblemRecord]:
    """The records of a stored snapshot, in file order; a line that is not a valid problem
    record raises :class:`~webapp.core.problems.InvalidRecord` naming its task and line."""
    storage = artifact_storage()
    try:
        with storage.open(snapshot_relpath(sha256), "rb") as fh:
            for lineno, data in read_objects(fh):
                yield _record(data, lineno)
    except JsonlError as exc:
        raise InvalidRecord(task_id=f"? (line {exc.lineno})", reason=exc.reason) from None
    except StorageError:
        uri = storage.uri(snapshot_relpath(sha256))
        raise FileNotFoundError(
            f"snapshot file {uri} is missing (ARTIFACT_ROOT={settings.ARTIFACT_ROOT})"
        ) from None


def _record(data: dict[str, Any], lineno: int) -> ProblemRecord:
    task_id = data.get("task_id")
    with building(f"{task_id if isinstance(task_id, str) else '?'} (line {lineno})"):
        return ProblemRecord.from_dict(data)

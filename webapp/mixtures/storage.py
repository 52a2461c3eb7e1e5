"""Snapshot files under ``ARTIFACT_ROOT`` (DESIGN.md, "Artifacts"): ``snapshots/<sha256>.jsonl``.

Only local paths are supported for now; an ``s3://`` root would go through fsspec here, and
nowhere else, since every reader and writer of snapshot files calls these helpers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings


def artifact_root() -> Path:
    """``settings.ARTIFACT_ROOT`` as a local path (read on each call: tests override it)."""
    root = str(settings.ARTIFACT_ROOT)
    if "://" in root and not root.startswith("file://"):
        raise NotImplementedError(f"ARTIFACT_ROOT={root}: only local paths are supported so far")
    return Path(root.removeprefix("file://"))


def snapshot_relpath(sha256: str, suffix: str = "jsonl") -> str:
    """Where a snapshot lives, relative to the artifact root."""
    return f"snapshots/{sha256}.{suffix}"


def snapshot_file(sha256: str, suffix: str = "jsonl") -> Path:
    """The absolute path of a snapshot file (it may not exist yet)."""
    return artifact_root() / snapshot_relpath(sha256, suffix)


def record_line(record: dict[str, Any]) -> bytes:
    """One canonical JSONL line: sorted keys and no spaces, so equal records hash equally."""
    return (json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def write_atomically(path: Path, data: Iterable[bytes]) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place, so a
    reader never sees half a file and two writers of the same content both succeed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_snapshot(lines: list[bytes]) -> tuple[str, Path, int]:
    """Store canonical lines as ``snapshots/<sha256>.jsonl``; returns ``(sha256, path, size)``.
    A file that already exists has this exact content (its name is its hash) and is kept."""
    digest = hashlib.sha256()
    size = 0
    for line in lines:
        digest.update(line)
        size += len(line)
    sha = digest.hexdigest()
    path = snapshot_file(sha)
    if not path.exists():
        write_atomically(path, lines)
    return sha, path, size


def read_snapshot(sha256: str) -> Iterator[dict[str, Any]]:
    """The records of a stored snapshot, in file order."""
    path = snapshot_file(sha256)
    if not path.exists():
        raise FileNotFoundError(f"snapshot file {path} is missing (ARTIFACT_ROOT={settings.ARTIFACT_ROOT})")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)

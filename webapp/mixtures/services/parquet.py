"""The Parquet file derived from a snapshot's JSONL."""

from __future__ import annotations

import json
import re

from webapp.mixtures.models import Snapshot
from webapp.mixtures.storage import read_snapshot, snapshot_file, write_atomically

PARQUET_COLUMNS: tuple[str, ...] = (
    "task_id",
    "source",
    "pool",
    "lang",
    "prompt",
    "entry_point",
    "solution",
    "test",
    "cases",
    "meta",
    "role",
    "mixture_source",
)
#: The file's key-value metadata entry that holds the rows' ``ProblemRecord`` schema version.
PARQUET_SCHEMA_VERSION_KEY = "atomlab.record_schema_version"


def snapshot_parquet(*, snapshot: Snapshot) -> str:
    """The snapshot as ``snapshots/<sha256>.parquet`` (written once, beside the JSONL; its
    absolute path is returned). Every column is a string: ``cases`` and ``meta`` are JSON
    text because their values mix types row by row; ``role`` and ``mixture_source`` are
    lifted out of ``meta.mixture`` for filtering; the file's metadata holds the records'
    schema version. Hugging Face ``datasets`` reads it as is."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path = snapshot_file(snapshot.sha256, "parquet")
    if path.exists():
        return str(path)
    columns: dict[str, list[str | None]] = {c: [] for c in PARQUET_COLUMNS}
    for r in read_snapshot(snapshot.sha256):
        mixture = r.meta.get("mixture") or {}
        for c in PARQUET_COLUMNS[:8]:
            value = getattr(r, c)
            columns[c].append(None if value is None else str(value))
        columns["cases"].append(json.dumps(r.cases, ensure_ascii=False, sort_keys=True))
        columns["meta"].append(json.dumps(r.meta, ensure_ascii=False, sort_keys=True))
        columns["role"].append(mixture.get("role"))
        columns["mixture_source"].append(mixture.get("source"))
    schema = pa.schema(
        [(c, pa.string()) for c in PARQUET_COLUMNS],
        metadata={PARQUET_SCHEMA_VERSION_KEY: str(snapshot.record_schema_version)},
    )
    table = pa.table(columns, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_atomically(path, [sink.getvalue().to_pybytes()])
    return str(path)


def parquet_filename(snapshot: Snapshot) -> str:
    """The download name of a snapshot's Parquet file. Its bytes are not the JSONL's, so it
    is not named by the JSONL's hash alone: ``<mixture>-v<N>.from-jsonl-<12 hex>.parquet``
    says which snapshot it was derived from without passing for that file's hash."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(snapshot.recipe.get("name") or "snapshot")).strip("-")
    return f"{name or 'snapshot'}-v{snapshot.recipe.get('version', '?')}.from-jsonl-{snapshot.short}.parquet"

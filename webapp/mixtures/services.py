"""Every write of the datasets app goes through here (STYLE rule 2): mixtures and their
versions, freezing a version into a snapshot, benchmark imports, contamination reports and
the derived Parquet file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from webapp.accounts.models import User
from webapp.core.jobs import job_create
from webapp.core.models import BackgroundJob
from webapp.core.problems import UnknownSource, problem_records, source_names
from webapp.mixtures import budget
from webapp.mixtures.benchmarks import BenchmarkImportError, parse_benchmark
from webapp.mixtures.contamination import BLOCKING, LABELS, Params, Report, contamination
from webapp.mixtures.models import (
    Benchmark,
    BenchmarkProblem,
    ContaminationReport,
    ItemLang,
    Mixture,
    MixtureVersion,
    Role,
    Snapshot,
)
from webapp.mixtures.recipe import Item, RecipeError, apply_ratio, items_from_json, rng_for
from webapp.mixtures.storage import (
    read_snapshot,
    record_line,
    snapshot_file,
    snapshot_relpath,
    write_atomically,
    write_snapshot,
)
from webapp.mixtures.tokenizing import TokenizerError, length_stats, token_counter

__all__ = ["BenchmarkImportError", "RecipeError", "TokenizerError"]

Progress = Callable[[int, int, str], None]


# --- mixtures -----------------------------------------------------------------------------


def _check_recipe(*, tokenizer: str, items: Sequence[Item]) -> None:
    token_counter(tokenizer)  # raises TokenizerError for a name that counts nothing
    known = set(source_names())
    for item in items:
        if item.source not in known:
            raise RecipeError(f"unknown source {item.source!r}")
    budget.check_size(items)  # counted, never built: a snapshot past the limit is refused


@transaction.atomic
def mixture_create(
    *,
    name: str,
    by: User | None,
    seed: int = 0,
    tokenizer: str = "whitespace",
    items: Sequence[Item] = (),
    description: str = "",
) -> Mixture:
    """A new mixture with version 1 holding the given recipe (items may be empty: the
    builder adds them)."""
    name = name.strip()
    if not name:
        raise RecipeError("a mixture needs a name")
    if Mixture.objects.filter(name=name).exists():
        raise RecipeError(f"a mixture named {name!r} already exists")
    _check_recipe(tokenizer=tokenizer, items=items)
    mixture = Mixture.objects.create(name=name, description=description, created_by=by)
    MixtureVersion.objects.create(
        mixture=mixture,
        number=1,
        seed=seed,
        tokenizer=tokenizer,
        items=[i.to_json() for i in items],
        created_by=by,
    )
    return mixture


@transaction.atomic
def mixture_save(
    *, mixture: Mixture, by: User | None, seed: int, tokenizer: str, items: Sequence[Item]
) -> MixtureVersion:
    """Store a recipe edit. The latest version changes in place while it has never been
    frozen; once frozen it is immutable and the edit becomes the next version. Saving an
    unchanged recipe writes nothing and returns the latest version."""
    _check_recipe(tokenizer=tokenizer, items=items)
    latest = MixtureVersion.objects.select_for_update().filter(mixture=mixture).order_by("-number").first()
    assert latest is not None, f"mixture {mixture.name} has no version"
    data = [i.to_json() for i in items]
    if latest.seed == seed and latest.tokenizer == tokenizer and latest.items == data:
        return latest
    if latest.frozen_at is None:
        latest.seed, latest.tokenizer, latest.items = seed, tokenizer, data
        latest.save(update_fields=["seed", "tokenizer", "items"])
        return latest
    return MixtureVersion.objects.create(
        mixture=mixture, number=latest.number + 1, seed=seed, tokenizer=tokenizer, items=data, created_by=by
    )


# --- rows of a recipe ---------------------------------------------------------------------


def _identity(record: dict[str, Any]) -> tuple[Any, ...]:
    """What stays equal between a problem's English and Chinese records."""
    meta = record.get("meta") or {}
    return (
        record.get("source"),
        record.get("pool"),
        tuple(meta.get("atoms") or ()),
        record.get("entry_point"),
    )


def _authored(source: str) -> list[dict[str, Any]]:
    """Each record in the language it was written in: the source's default records, with
    those whose ``meta.original_lang`` differs swapped for that language's record.
    Translations (``meta.translated_from``, ``meta.kind == "translation"``) are left as they are."""
    default = list(problem_records(source, lang=None))
    wanted: dict[tuple[Any, ...], str] = {}
    for r in default:
        meta = r.get("meta") or {}
        original = meta.get("original_lang")
        translation = "translated_from" in meta or meta.get("kind") == "translation"
        if original and original != r.get("lang") and not translation:
            wanted[_identity(r)] = original
    if not wanted:
        return default
    swap: dict[tuple[Any, ...], dict[str, Any]] = {}
    for lang in set(wanted.values()):
        for r in problem_records(source, lang=lang):
            if wanted.get(_identity(r)) == lang:
                swap[_identity(r)] = r
    return [swap.get(_identity(r), r) for r in default]


def item_records(item: Item) -> list[dict[str, Any]]:
    """The records an item draws from, sorted by task id so the sample does not depend on
    the order a provider happens to yield them in."""
    try:
        if item.lang == ItemLang.AUTHORED:
            records = _authored(item.source)
        else:
            records = list(problem_records(item.source, lang=item.lang))
    except UnknownSource as exc:
        raise RecipeError(str(exc)) from exc
    except ValueError as exc:
        raise RecipeError(f"{item.source}: {exc}") from exc
    return sorted(records, key=lambda r: str(r.get("task_id")))


def item_rows(item: Item, seed: int, records: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The snapshot rows of one item: its records at its ratio, each tagged with
    ``meta.mixture = {"source", "role", "copy"}`` (``copy`` counts repetitions from 0)."""
    records = item_records(item) if records is None else records
    rows = []
    for copy, record in apply_ratio(records, item.ratio, rng_for(seed, item)):
        meta = dict(record.get("meta") or {})
        meta["mixture"] = {"source": item.source, "role": item.role, "copy": copy}
        rows.append({**record, "meta": meta})
    return rows


@dataclass
class PreviewLine:
    """What one item would contribute."""

    item: Item
    available: int = 0
    rows: int = 0
    repeats: int = 0
    sampled: int = 0
    error: str = ""


def mixture_preview(*, items: Sequence[Item]) -> list[PreviewLine]:
    """Per item: records available, full repeats, sampled extras and rows, without freezing
    or building any record (an item whose source fails carries the error instead).
    :class:`budget.BudgetError` for more items than a recipe may have."""
    if len(items) > budget.MAX_ITEMS:
        raise budget.BudgetError(f"a recipe may have at most {budget.MAX_ITEMS} sources, not {len(items)}")
    lines = []
    counts: budget.Counts = {}
    for item in items:
        line = PreviewLine(item=item)
        try:
            line.available = budget.available(item, counts)
        except RecipeError as exc:
            line.error = str(exc)
        else:
            line.rows, line.repeats, line.sampled = budget.item_rows(item, line.available)
        lines.append(line)
    return lines


# --- freezing -----------------------------------------------------------------------------


def recipe_of(version: MixtureVersion) -> dict[str, Any]:
    """The recipe stored with a snapshot."""
    return {
        "name": version.mixture.name,
        "version": version.number,
        "seed": version.seed,
        "tokenizer": version.tokenizer,
        "items": version.items,
    }


def _stats(rows: Sequence[dict[str, Any]], tokenizer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    count = token_counter(tokenizer)
    memo: dict[str, int] = {}

    def tokens(text: str) -> int:
        if text not in memo:
            memo[text] = count(text)
        return memo[text]

    counts: dict[str, Counter[str]] = {k: Counter() for k in ("source", "topic", "lang", "role")}
    prompt_lengths, solution_lengths = [], []
    for r in rows:
        meta = r.get("meta") or {}
        counts["source"][meta["mixture"]["source"]] += 1
        counts["topic"][str(meta.get("topic") or "—")] += 1
        counts["lang"][str(r.get("lang") or "—")] += 1
        counts["role"][meta["mixture"]["role"]] += 1
        prompt_lengths.append(tokens(str(r.get("prompt") or "")))
        solution_lengths.append(tokens(str(r.get("solution") or "")))
    token_stats = {
        "tokenizer": tokenizer,
        "prompt": length_stats(prompt_lengths),
        "solution": length_stats(solution_lengths),
    }
    return {k: dict(sorted(c.items())) for k, c in counts.items()}, token_stats


def snapshot_freeze(
    *, version: MixtureVersion, by: User | None, on_progress: Progress | None = None
) -> Snapshot:
    """Freeze ``version``: build its rows, write ``snapshots/<sha256>.jsonl``, store counts
    and token statistics. The version is marked frozen first, so an edit made meanwhile
    becomes a new version. Freezing the same version again returns the same snapshot; a
    recipe that cannot be frozen raises :class:`RecipeError` and leaves the version a draft."""
    MixtureVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
    try:
        return _freeze(version, by, on_progress)
    except (RecipeError, TokenizerError):
        MixtureVersion.objects.filter(pk=version.pk, snapshots__isnull=True).update(frozen_at=None)
        raise


def _freeze(version: MixtureVersion, by: User | None, on_progress: Progress | None) -> Snapshot:
    items = items_from_json(version.items)
    if not items:
        raise RecipeError(f"{version} has no sources to freeze")
    token_counter(version.tokenizer)
    total = len(items) + 1
    rows: list[dict[str, Any]] = []
    for done, item in enumerate(items, start=1):
        added = item_rows(item, version.seed)
        rows.extend(added)
        if on_progress:
            on_progress(done, total, f"{item.source}: {len(added)} rows")
    if not rows:
        raise RecipeError(f"{version} selects no rows")
    sha, _, size = write_snapshot([record_line(r) for r in rows])
    counts, token_stats = _stats(rows, version.tokenizer)
    snapshot, _ = Snapshot.objects.get_or_create(
        version=version,
        sha256=sha,
        defaults={
            "recipe": recipe_of(version),
            "path": snapshot_relpath(sha),
            "size_bytes": size,
            "rows": len(rows),
            "counts": counts,
            "token_stats": token_stats,
            "created_by": by,
        },
    )
    if on_progress:
        on_progress(total, total, f"snapshot {sha[:12]}: {len(rows)} rows")
    return snapshot


def snapshot_freeze_enqueue(*, version: MixtureVersion, by: User | None) -> BackgroundJob:
    """A background job on the ``cpu`` queue that freezes ``version``; the task is sent once
    the surrounding transaction commits."""
    from webapp.mixtures.tasks import freeze_snapshot_task

    job = job_create(kind="mixtures.freeze", by=by, params={"version_id": version.pk})
    transaction.on_commit(lambda: freeze_snapshot_task.delay(job.pk))
    return job


@transaction.atomic
def mixture_freeze_enqueue(
    *, mixture: Mixture, by: User | None, seed: int, tokenizer: str, items: Sequence[Item]
) -> BackgroundJob:
    """Save the recipe (see :func:`mixture_save`) and queue a freeze of the resulting
    version: what the builder's Freeze button does."""
    version = mixture_save(mixture=mixture, by=by, seed=seed, tokenizer=tokenizer, items=items)
    if not items:
        raise RecipeError("add at least one source before freezing")
    return snapshot_freeze_enqueue(version=version, by=by)


def snapshot_rows(snapshot: Snapshot, *, role: str | None = None) -> Iterator[dict[str, Any]]:
    """A snapshot's rows from its file, optionally only one role's."""
    for r in read_snapshot(snapshot.sha256):
        if role is None or ((r.get("meta") or {}).get("mixture") or {}).get("role", Role.TRAIN) == role:
            yield r


# --- Parquet --------------------------------------------------------------------------------

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


def snapshot_parquet(*, snapshot: Snapshot) -> str:
    """The snapshot as ``snapshots/<sha256>.parquet`` (written once, beside the JSONL; its
    absolute path is returned). Every column is a string: ``cases`` and ``meta`` are JSON
    text because their values mix types row by row; ``role`` and ``mixture_source`` are
    lifted out of ``meta.mixture`` for filtering. Hugging Face ``datasets`` reads it as is."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path = snapshot_file(snapshot.sha256, "parquet")
    if path.exists():
        return str(path)
    columns: dict[str, list[str | None]] = {c: [] for c in PARQUET_COLUMNS}
    for r in read_snapshot(snapshot.sha256):
        mixture = (r.get("meta") or {}).get("mixture") or {}
        for c in PARQUET_COLUMNS[:8]:
            value = r.get(c)
            columns[c].append(None if value is None else str(value))
        columns["cases"].append(json.dumps(r.get("cases") or [], ensure_ascii=False, sort_keys=True))
        columns["meta"].append(json.dumps(r.get("meta") or {}, ensure_ascii=False, sort_keys=True))
        columns["role"].append(mixture.get("role"))
        columns["mixture_source"].append(mixture.get("source"))
    schema = pa.schema([(c, pa.string()) for c in PARQUET_COLUMNS])
    table = pa.table(columns, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_atomically(path, [sink.getvalue().to_pybytes()])
    return str(path)


# --- benchmarks -----------------------------------------------------------------------------

BENCHMARK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@transaction.atomic
def benchmark_import(
    *, name: str, data: bytes | IO[bytes], by: User | None, file_name: str = "", replace: bool = False
) -> Benchmark:
    """Import a HumanEval-format JSONL (or gzipped JSONL) as source ``benchmark:<name>``;
    ``data`` is the file's bytes or a seekable binary stream (read line by line).

    The whole file is parsed before anything is written, and the write is one transaction:
    a malformed line raises :class:`BenchmarkImportError` naming its line and leaves no
    trace. An existing benchmark of that name is refused unless ``replace``.
    """
    if not BENCHMARK_NAME.match(name):
        raise BenchmarkImportError(
            f"benchmark name {name!r}: use lowercase letters, digits, '-' and '_' (at most 64)"
        )
    problems = parse_benchmark(data)
    existing = Benchmark.objects.select_for_update().filter(name=name).first()
    if existing is not None:
        if not replace:
            raise BenchmarkImportError(
                f"benchmark {name!r} already exists; import with replace to overwrite it"
            )
        existing.delete()
    benchmark = Benchmark.objects.create(
        name=name, file_name=file_name[:300], problem_count=len(problems), created_by=by
    )
    BenchmarkProblem.objects.bulk_create(
        BenchmarkProblem(benchmark=benchmark, position=i, **p) for i, p in enumerate(problems)
    )
    return benchmark


# --- contamination --------------------------------------------------------------------------


class ContaminationError(Exception):
    """A training snapshot holds problems of the evaluation snapshot it is checked against."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def contamination_report(*, train: Snapshot, eval: Snapshot, params: Params | None = None) -> Report:
    """The train rows of ``train`` checked against the eval rows of ``eval`` (the same
    snapshot may be both). Computed once per pair and parameters, then read from the
    database: snapshots never change."""
    params = params or Params()
    cached = ContaminationReport.objects.filter(train=train, eval=eval, params_key=params.key).first()
    if cached is not None:
        return Report.from_json(cached.result)
    if Role.TRAIN not in train.roles:
        raise ValueError(f"snapshot {train.short} has no train rows")
    if Role.EVAL not in eval.roles:
        raise ValueError(f"snapshot {eval.short} has no eval rows")
    report = contamination(
        snapshot_rows(train, role=Role.TRAIN), snapshot_rows(eval, role=Role.EVAL), params=params
    )
    ContaminationReport.objects.get_or_create(
        train=train, eval=eval, params_key=params.key, defaults={"result": report.to_json()}
    )
    return report


def contamination_check(
    *, train: Snapshot, eval: Snapshot, params: Params | None = None, strict: bool = False
) -> Report:
    """The report, or :class:`ContaminationError` when the training rows contain eval
    problems (an exact prompt, a normalised solution or a composite chain in common); with
    ``strict``, any finding at all (shared atom pairs, n-gram overlap) refuses too. Studies
    call this before training so no run trains on its own test set."""
    report = contamination_report(train=train, eval=eval, params=params)
    kinds = [k for k in (report.pairs if strict else BLOCKING) if report.pairs[k]]
    if kinds:
        found = ", ".join(f"{LABELS[k].lower()}: {report.eval_hit[k]}" for k in kinds)
        first = report.examples[kinds[0]][0]
        raise ContaminationError(
            f"train snapshot {train.short} contains problems of eval snapshot {eval.short} "
            f"({found} eval problems; e.g. train {first['train']} ~ eval {first['eval']})",
            report,
        )
    return report

"""Freezing a mixture version into an immutable, content-hashed snapshot, and reading a
snapshot's rows back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from training_worker.contracts import SCHEMA_VERSION, ProblemRecord
from webapp.accounts.models import User
from webapp.core.jobs import job_create, job_enqueue
from webapp.core.models import BackgroundJob
from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot, SnapshotMember
from webapp.mixtures.recipe import Item, RecipeError, items_from_json
from webapp.mixtures.services.mixtures import mixture_save
from webapp.mixtures.services.rows import item_rows
from webapp.mixtures.storage import read_snapshot, record_line, snapshot_relpath, write_snapshot
from webapp.mixtures.tokenizing import TokenizerError, length_stats, token_counter

Progress = Callable[[int, int, str], None]


#: Problem-record sources whose rows are one atom's own (``meta.atoms`` names it).
ATOM_RECORD_SOURCES = frozenset({"atom_base", "atom_modify", "atom_translate", "prompt_translation"})


def members_of(rows: Iterable[ProblemRecord]) -> set[tuple[str, str]]:
    """``(kind, ref)`` for each atom with rows of its own and each composite chain in
    ``rows`` (see :class:`~webapp.mixtures.models.SnapshotMember`)."""
    out: set[tuple[str, str]] = set()
    for r in rows:
        if r.source == "composite" and r.meta.get("chain_key"):
            out.add((SnapshotMember.Kind.COMPOSITE, str(r.meta["chain_key"])))
        elif r.source in ATOM_RECORD_SOURCES:
            out.update((SnapshotMember.Kind.ATOM, str(slug)) for slug in r.meta.get("atoms") or ())
    return out


def recipe_of(version: MixtureVersion) -> dict[str, Any]:
    """The recipe stored with a snapshot."""
    return {
        "name": version.mixture.name,
        "version": version.number,
        "seed": version.seed,
        "tokenizer": version.tokenizer,
        "items": version.items,
    }


def _stats(rows: Sequence[ProblemRecord], tokenizer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    count = token_counter(tokenizer)
    memo: dict[str, int] = {}

    def tokens(text: str) -> int:
        if text not in memo:
            memo[text] = count(text)
        return memo[text]

    counts: dict[str, Counter[str]] = {k: Counter() for k in ("source", "topic", "lang", "role")}
    prompt_lengths, solution_lengths = [], []
    for r in rows:
        counts["source"][r.meta["mixture"]["source"]] += 1
        counts["topic"][str(r.meta.get("topic") or "—")] += 1
        counts["lang"][r.lang] += 1
        counts["role"][r.meta["mixture"]["role"]] += 1
        prompt_lengths.append(tokens(r.prompt))
        solution_lengths.append(tokens(r.solution))
    token_stats = {
        "tokenizer": tokenizer,
        "prompt": length_stats(prompt_lengths),
        "solution": length_stats(solution_lengths),
    }
    return {k: dict(sorted(c.items())) for k, c in counts.items()}, token_stats


def snapshot_freeze(
    *, version: MixtureVersion, by: User | None, on_progress: Progress | None = None
) -> Snapshot:
    """Freeze ``version``: build its rows (problem records, each checked), write
    ``snapshots/<sha256>.jsonl``, store counts, token statistics and the records' schema
    version. The version is marked frozen first, so an edit made meanwhile
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
    rows: list[ProblemRecord] = []
    for done, item in enumerate(items, start=1):
        added = item_rows(item, version.seed)
        rows.extend(added)
        if on_progress:
            on_progress(done, total, f"{item.source}: {len(added)} rows")
    if not rows:
        raise RecipeError(f"{version} selects no rows")
    sha, _, size = write_snapshot([record_line(r) for r in rows])
    counts, token_stats = _stats(rows, version.tokenizer)
    snapshot, created = Snapshot.objects.get_or_create(
        version=version,
        sha256=sha,
        defaults={
            "recipe": recipe_of(version),
            "path": snapshot_relpath(sha),
            "size_bytes": size,
            "rows": len(rows),
            "counts": counts,
            "token_stats": token_stats,
            "record_schema_version": SCHEMA_VERSION,
            "created_by": by,
        },
    )
    if created:
        SnapshotMember.objects.bulk_create(
            [SnapshotMember(snapshot=snapshot, kind=k, ref=r) for k, r in sorted(members_of(rows))],
            batch_size=1000,
        )
    if on_progress:
        on_progress(total, total, f"snapshot {sha[:12]}: {len(rows)} rows")
    return snapshot


def snapshot_freeze_enqueue(*, version: MixtureVersion, by: User | None) -> BackgroundJob:
    """A background job on the ``cpu`` queue that freezes ``version``; the task is sent once
    the surrounding transaction commits."""
    from webapp.mixtures.tasks import freeze_snapshot_task

    job = job_create(kind="mixtures.freeze", by=by, params={"version_id": version.pk})
    job_enqueue(freeze_snapshot_task, BackgroundJob, job.pk)
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


def snapshot_rows(snapshot: Snapshot, *, role: str | None = None) -> Iterator[ProblemRecord]:
    """A snapshot's rows from its file, optionally only one role's."""
    for r in read_snapshot(snapshot.sha256):
        if role is None or r.role == role:
            yield r

"""Reads of runs and composites. Any logged-in user may read them (viewers read
everything); starting a run is ``Action.COMPOSITE_SYNTHESIZE``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from webapp.core.access import require_reader
from webapp.core.queries import json_list_contains
from webapp.synthesis.models import Composite, SynthesisRun


@dataclass(frozen=True)
class CompositeFilters:
    """The list page's filters; empty strings mean "any"."""

    pool: str = ""
    depth: str = ""
    shape: str = ""
    atom: str = ""
    topic: str = ""
    chain: str = ""  # a chain key: the composite a snapshot row names, whatever run stored it

    @classmethod
    def from_query(cls, query: Any) -> CompositeFilters:
        """From a request's GET parameters."""
        return cls(**{name: str(query.get(name, "")).strip() for name in cls.__dataclass_fields__})


def composite_list(*, fetched_by: Any, filters: CompositeFilters | None = None) -> QuerySet[Composite]:
    """Stored composites, filtered, in pool order."""
    require_reader(fetched_by)
    f = filters or CompositeFilters()
    qs = Composite.objects.all()
    if f.pool:
        qs = qs.filter(pool=f.pool)
    if f.depth.isdigit():
        qs = qs.filter(depth=int(f.depth))
    if f.shape:
        qs = qs.filter(shape=f.shape)
    if f.atom:
        qs = qs.filter(json_list_contains("chain", f.atom))
    if f.topic:
        qs = qs.filter(json_list_contains("topics", f.topic))
    if f.chain:
        qs = qs.filter(chain_key=f.chain)
    return qs.defer("solution", "cases", "prompt_zh", "structure").order_by("pool", "index")


def pools_owner(pools: list[str]) -> tuple[SynthesisRun | None, dict[str, int]]:
    """``(run, sizes)``: the one synthesis run whose composites all the named pools hold now
    (None when a pool is empty or holds another run's composites too), and each pool's size."""
    rows = (
        Composite.objects.filter(pool__in=pools).order_by().values("pool", "run_id").annotate(n=Count("id"))
    )
    sizes = {p: 0 for p in pools}
    runs = set()
    for row in rows:
        sizes[row["pool"]] += row["n"]
        runs.add(row["run_id"])
    if len(runs) != 1 or not all(sizes.values()):
        return None, sizes
    return SynthesisRun.objects.select_related("job").get(pk=runs.pop()), sizes


def composite_get(*, fetched_by: Any, composite_id: int) -> Composite:
    """One composite (404 when it does not exist)."""
    require_reader(fetched_by)
    return get_object_or_404(Composite.objects.select_related("run"), pk=composite_id)


def composites_using_atom(*, slug: str, fetched_by: Any, limit: int = 50) -> tuple[list[Composite], int]:
    """Up to ``limit`` stored composites whose chain uses the atom ``slug``, and how many
    there are in all."""
    qs = composite_list(fetched_by=fetched_by, filters=CompositeFilters(atom=slug))
    return list(qs[:limit]), qs.count()


def chain_keys_using_atom(*, slug: str, fetched_by: Any) -> list[str]:
    """Chain keys of every stored composite that uses the atom ``slug``."""
    qs = composite_list(fetched_by=fetched_by, filters=CompositeFilters(atom=slug))
    return list(qs.values_list("chain_key", flat=True))


def stored_pools() -> dict[str, int]:
    """Stored pool name → number of composites, by name, for code that serves no user (the
    problem registry behind commands and tasks); pages use :func:`pool_sizes`."""
    rows = Composite.objects.values("pool").annotate(n=Count("id")).order_by("pool")
    return {r["pool"]: r["n"] for r in rows}


def pool_sizes(*, fetched_by: Any) -> dict[str, int]:
    """Stored pool name → number of composites, by name."""
    require_reader(fetched_by)
    return stored_pools()


def facet_values(*, fetched_by: Any) -> dict[str, list[Any]]:
    """The values the filters offer: pools, depths, shapes, atoms and topics in use."""
    chains = Composite.objects.values_list("chain", "topics")
    atoms: set[str] = set()
    topics: set[str] = set()
    for chain, tops in chains.iterator():
        atoms.update(chain)
        topics.update(tops)
    return {
        "pools": list(pool_sizes(fetched_by=fetched_by)),
        "depths": sorted(set(Composite.objects.values_list("depth", flat=True))),
        "shapes": sorted(set(Composite.objects.values_list("shape", flat=True))),
        "atoms": sorted(atoms),
        "topics": sorted(topics),
    }


def run_list(*, fetched_by: Any, limit: int = 10) -> list[SynthesisRun]:
    """The latest runs with their jobs."""
    require_reader(fetched_by)
    return list(SynthesisRun.objects.select_related("job", "created_by")[:limit])


def run_get(*, fetched_by: Any, run_id: int) -> SynthesisRun:
    """One run (404 when it does not exist)."""
    require_reader(fetched_by)
    return get_object_or_404(SynthesisRun.objects.select_related("job"), pk=run_id)

"""Composites as problem records (DESIGN.md, "The problem record"), one source per stored
pool: ``composite:A``, ``composite:B`` ...

``task_id`` is the composite's key (``composite/A/000123``); ``lang`` picks the English
(default) or Chinese prompt; ``meta.atoms`` is the chain in the order the code calls it.
"""

from __future__ import annotations

from collections.abc import Iterator

from training_worker.contracts import ProblemRecord
from webapp.core.problems import building, records_from
from webapp.synthesis.models import Composite
from webapp.synthesis.selectors import stored_pools

PREFIX = "composite:"
LANGS: tuple[str, ...] = ("en", "zh")


def composite_record(composite: Composite, *, lang: str = "en") -> ProblemRecord:
    """The problem record of one composite in ``lang`` (its one construction)."""
    with building(composite.key):
        return ProblemRecord(
            task_id=composite.key,
            source="composite",
            pool=composite.pool,
            lang=lang,
            prompt=composite.prompt_zh if lang == "zh" else composite.prompt_en,
            entry_point=composite.entry_point,
            solution=composite.solution,
            cases=[{"args": c["args"], "expected": c["expected"]} for c in composite.cases],
            test=None,
            meta={
                "atoms": list(composite.chain),
                "shape": composite.shape,
                "depth": composite.depth,
                "topics": list(composite.topics),
                "topic": composite.topics[0] if composite.topics else "",
                "seed": composite.seed,
                "library_version": composite.library_version,
                "signature": {"params": composite.params, "returns": composite.returns},
                "chain_key": composite.chain_key,
            },
        )


class CompositeProblems:
    """The composites' entry in the problem-source registry (``webapp.core.problems``)."""

    claims: tuple[str, ...] = (PREFIX,)

    def names(self) -> list[str]:
        return [f"{PREFIX}{pool}" for pool in stored_pools()]

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[ProblemRecord]:
        # Every stored composite passed validation, so include_invalid changes nothing.
        if lang is not None and lang not in LANGS:
            raise ValueError(f"unknown lang {lang!r}; choose from {', '.join(LANGS)}")
        pool = name.removeprefix(PREFIX)
        if pool not in stored_pools():
            known = ", ".join(self.names()) or "none stored"
            raise ValueError(f"no composite pool {pool!r}; available: {known}")
        return self._records(pool, lang or "en")

    def _records(self, pool: str, lang: str) -> Iterator[ProblemRecord]:
        rows = Composite.objects.filter(pool=pool).order_by("index").iterator(chunk_size=500)
        return records_from(rows, lambda composite: composite_record(composite, lang=lang))

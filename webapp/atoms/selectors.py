"""Reads of atoms (STYLE rule 2). Every role may read atoms; changing one is
``Action.ATOM_CHANGE``, checked here in :func:`atom_get_for_change` and
:func:`atoms_get_for_change` (STYLE rule 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from webapp.atoms.models import Atom, AtomReview, AtomRevision, ReviewState, ValidationStatus
from webapp.core.access import Action, require, require_reader
from webapp.core.queries import json_list_contains


def atom_list(
    *, topic: str | None = None, status: str | None = None, include_invalid: bool = True
) -> QuerySet[Atom]:
    """Atoms in display order, with their variants prefetched."""
    qs = Atom.objects.prefetch_related("variants").order_by("topic", "slug")
    if topic:
        qs = qs.filter(topic=topic)
    if status:
        qs = qs.filter(status=status)
    if not include_invalid:
        qs = qs.exclude(status=ValidationStatus.INVALID)
    return qs


#: The list page's sort keys: URL value -> ORDER BY (slug last, so the order is total).
SORTS: dict[str, tuple[str, ...]] = {
    "topic": ("topic", "slug"),
    "slug": ("slug",),
    "-slug": ("-slug",),
    "difficulty": ("difficulty", "topic", "slug"),
    "-difficulty": ("-difficulty", "topic", "slug"),
    "status": ("status", "topic", "slug"),
    "review": ("review_state", "topic", "slug"),
    "-updated": ("-updated_at", "slug"),
}


@dataclass(frozen=True)
class AtomFilters:
    """What the list page asks for; empty strings mean "any"."""

    q: str = ""
    topic: str = ""
    status: str = ""
    review: str = ""
    difficulty: str = ""
    tag: str = ""
    lang: str = ""
    sort: str = "topic"

    @classmethod
    def from_query(cls, params: Any) -> AtomFilters:
        """From a ``QueryDict`` (unknown values are ignored rather than refused)."""

        def get(key: str) -> str:
            return str(params.get(key) or "").strip()

        sort = get("sort")
        return cls(
            q=get("q")[:200],
            topic=get("topic"),
            status=get("status") if get("status") in ValidationStatus.values else "",
            review=get("review") if get("review") in ReviewState.values else "",
            difficulty=get("difficulty") if get("difficulty") in {"1", "2", "3", "4", "5"} else "",
            tag=get("tag"),
            lang=get("lang") if get("lang") in ("en", "zh") else "",
            sort=sort if sort in SORTS else "topic",
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.topic, self.status, self.review, self.difficulty, self.tag, self.lang))


def _search(q: str) -> Q:
    """Every word must appear (case-insensitively) in the slug or one of the prompts.

    Substring matching rather than PostgreSQL's word-based full-text search, because the
    Chinese prompts have no spaces between words for a text-search parser to split on.
    """
    cond = Q()
    for word in q.split()[:8]:
        cond &= Q(slug__icontains=word) | Q(prompt_en__icontains=word) | Q(prompt_zh__icontains=word)
    return cond


def atom_search(*, filters: AtomFilters, ignore_topic: bool = False) -> QuerySet[Atom]:
    """Atoms matching ``filters``, sorted, with the variant and reviewer loaded.

    ``ignore_topic`` drops the topic filter, for counting atoms per topic under the others.
    """
    qs = Atom.objects.all()
    if filters.q:
        qs = qs.filter(_search(filters.q))
    if filters.topic and not ignore_topic:
        qs = qs.filter(topic=filters.topic)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.review:
        qs = qs.filter(review_state=filters.review)
    if filters.difficulty:
        qs = qs.filter(difficulty=int(filters.difficulty))
    if filters.tag:
        qs = qs.filter(json_list_contains("tags", filters.tag))
    if filters.lang:
        qs = qs.filter(original_lang=filters.lang)
    return qs.order_by(*SORTS[filters.sort])


def atom_list_page_rows(qs: QuerySet[Atom]) -> QuerySet[Atom]:
    """The list page's rows: only the columns it shows, variants and reviewer in two queries
    at most, however many atoms there are."""
    return qs.select_related("reviewed_by").prefetch_related("variants")


def atom_export_rows(*, filters: AtomFilters) -> QuerySet[Atom]:
    """What the export writes: the atoms matching ``filters``, in the list's order, with
    their variants."""
    return atom_search(filters=filters).prefetch_related("variants")


def atom_lang_counts() -> dict[str, int]:
    """Atoms per original language (the language the prompt was written in first)."""
    rows = Atom.objects.order_by().values("original_lang").annotate(n=Count("id"))
    return {r["original_lang"]: r["n"] for r in rows}


def atom_topic_counts(*, filters: AtomFilters) -> list[tuple[str, int]]:
    """``[(topic, atoms)]`` under every filter but the topic itself, in topic order."""
    rows = (
        atom_search(filters=filters, ignore_topic=True)
        .order_by()
        .values("topic")
        .annotate(n=Count("id"))
        .order_by("topic")
    )
    return [(r["topic"], r["n"]) for r in rows]


def atom_tags() -> list[str]:
    """Every tag in use, sorted (for the tag filter)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT DISTINCT jsonb_array_elements_text(tags) AS t FROM {Atom._meta.db_table} ORDER BY t"
            )
            return [row[0] for row in cur.fetchall()]
    return sorted({t for tags in Atom.objects.values_list("tags", flat=True) for t in tags})


def atom_get(*, slug: str) -> Atom:
    """One atom to read (every logged-in role may); 404 when there is none."""
    try:
        return Atom.objects.select_related("author", "reviewed_by").get(slug=slug)
    except Atom.DoesNotExist:
        raise Http404(f"no atom {slug!r}") from None


def atom_get_for_change(*, slug: str, user: Any) -> Atom:
    """One atom the user may edit, annotate or review (``Action.ATOM_CHANGE``)."""
    require(user, Action.ATOM_CHANGE)
    return atom_get(slug=slug)


def atoms_get_for_change(*, slugs: Sequence[str], user: Any) -> list[Atom]:
    """The atoms named by ``slugs`` (unknown slugs are skipped), for a bulk change."""
    require(user, Action.ATOM_CHANGE)
    return list(Atom.objects.filter(slug__in=list(slugs)).order_by("topic", "slug"))


def atom_slug_taken(*, slug: str) -> bool:
    """Whether an atom already uses ``slug``."""
    return Atom.objects.filter(slug=slug).exists()


def atom_revisions(*, atom: Atom, limit: int = 30) -> list[AtomRevision]:
    """The atom's latest revisions, newest first."""
    return list(atom.revisions.select_related("author").order_by("-number")[:limit])


def atom_reviews(*, atom: Atom, limit: int = 30) -> list[AtomReview]:
    """The atom's review and notes events, newest first."""
    return list(atom.reviews.select_related("by").order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class QueueSlot:
    """Where the review queue stands: the atom shown, its neighbours in the queue, how many
    atoms the queue holds."""

    atom: Atom | None
    prev_slug: str | None
    next_slug: str | None
    remaining: int
    position: int


def review_queue(*, state: str = ReviewState.UNREVIEWED, at: str | None = None) -> QueueSlot:
    """The review queue: atoms in ``state`` in list order (topic, slug), one at a time.

    ``at`` picks the atom to show: the queued atom with that slug, else the first queued atom
    after it in list order (so after a decision the queue moves on), wrapping round to the
    first. ``next`` wraps round to the first atom; ``previous`` stops at the first (``k`` at
    the top stays there rather than jumping to the end).
    """
    queued = Atom.objects.filter(review_state=state).order_by("topic", "slug")
    keys = list(queued.values_list("topic", "slug"))
    if not keys:
        return QueueSlot(atom=None, prev_slug=None, next_slug=None, remaining=0, position=0)
    index = 0
    if at:
        anchor = Atom.objects.filter(slug=at).values_list("topic", "slug").first()
        if anchor is not None:
            index = next((i for i, k in enumerate(keys) if k >= anchor), 0)
    slug = keys[index][1]
    prev_slug = keys[index - 1][1] if index > 0 else None
    next_slug = keys[(index + 1) % len(keys)][1] if len(keys) > 1 else None
    return QueueSlot(
        atom=atom_get(slug=slug),
        prev_slug=prev_slug,
        next_slug=next_slug,
        remaining=len(keys),
        position=index + 1,
    )


def atom_counts(*, fetched_by: Any) -> dict[str, int]:
    """How many atoms there are, by validation status and by review state (one query)."""
    require_reader(fetched_by)
    rows = Atom.objects.order_by().values_list("status", "review_state").annotate(n=Count("id"))
    counts = dict.fromkeys(["total", *ValidationStatus.values, *ReviewState.values], 0)
    for status, review, n in rows:
        counts["total"] += n
        counts[status] += n
        counts[review] += n
    return counts


def atom_recent_changes(*, fetched_by: Any, limit: int = 8) -> list[AtomRevision | AtomReview]:
    """The latest revisions and review events across all atoms, newest first."""
    require_reader(fetched_by)
    revisions = list(AtomRevision.objects.select_related("atom", "author").order_by("-created_at")[:limit])
    reviews = list(AtomReview.objects.select_related("atom", "by").order_by("-created_at")[:limit])
    events: list[AtomRevision | AtomReview] = [*revisions, *reviews]
    events.sort(key=lambda e: e.created_at, reverse=True)
    return events[:limit]

"""The atoms stage of the dashboard (``webapp.core.dashboard``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.atoms import selectors
from webapp.atoms.models import AtomReview, AtomRevision
from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState


def _activity(event: AtomRevision | AtomReview) -> Activity:
    url = reverse("atom", args=[event.atom.slug])
    if isinstance(event, AtomRevision):
        who = event.author.username if event.author else ""
        text = f"{event.atom.slug}: version {event.number}, {event.get_reason_display().lower()}"
        return Activity(event.created_at, text, url, who)
    who = event.by.username if event.by else ""
    if event.kind == AtomReview.Kind.REVIEW:
        text = f"{event.atom.slug}: reviewed, {event.get_state_display().lower()}"
    else:
        text = f"{event.atom.slug}: {event.get_kind_display().lower()}"
    return Activity(event.created_at, text, url, who)


def _grouped(events: list[AtomRevision | AtomReview]) -> list[Activity]:
    """One line per event, except that a burst of the same kind of event by the same person
    in the same minute (a library load, a bulk tag, an import) reads as one line."""
    out: list[Activity] = []
    burst: list[AtomRevision | AtomReview] = []

    def key(e: AtomRevision | AtomReview) -> tuple[str, str, str, object]:
        kind = e.reason if isinstance(e, AtomRevision) else e.kind
        who = e.author_id if isinstance(e, AtomRevision) else e.by_id
        return (type(e).__name__, kind, e.created_at.strftime("%Y%m%d%H%M"), who)

    def flush() -> None:
        if len(burst) < 3:
            out.extend(_activity(e) for e in burst)
        else:
            first = _activity(burst[0])
            what = (
                burst[0].get_reason_display()
                if isinstance(burst[0], AtomRevision)
                else burst[0].get_kind_display()
            )
            out.append(
                Activity(first.when, f"{len(burst)} atoms: {what.lower()}", reverse("atoms"), first.who)
            )
        burst.clear()

    for event in events:
        if burst and key(burst[-1]) != key(event):
            flush()
        burst.append(event)
    flush()
    return out


def summary(user: Any) -> StageState:
    """Counts by validation and review; ready once an atom passes in the sandbox."""
    n = selectors.atom_counts(fetched_by=user)
    atoms = reverse("atoms")
    counts = [
        Count("atoms", n["total"], atoms),
        Count("valid", n["valid"], f"{atoms}?status=valid", "ok"),
        Count("invalid", n["invalid"], f"{atoms}?status=invalid", "bad" if n["invalid"] else ""),
        Count(
            "not validated",
            n["unvalidated"],
            f"{atoms}?status=unvalidated",
            "warn" if n["unvalidated"] else "",
        ),
        Count("awaiting review", n["unreviewed"], reverse("atom-review-queue")),
    ]
    recent = _grouped(selectors.atom_recent_changes(fetched_by=user, limit=200))[:8]
    if n["total"] == 0:
        return StageState(
            counts,
            ready=False,
            todo="No atoms yet. Load the library of 100 hand-written atoms over 10 topics, "
            "or write your own.",
            next=Link("Load the atom library", reverse("atoms-load-library"), Action.ATOM_CHANGE, post=True),
            recent=recent,
        )
    if n["valid"] == 0 and n["unvalidated"]:
        return StageState(
            counts,
            ready=False,
            todo=f"{n['unvalidated']} atoms have not been judged in the sandbox yet; "
            "composites are made of valid atoms.",
            next=Link("Validate all atoms", reverse("atoms-validate-all"), Action.ATOM_CHANGE, post=True),
            recent=recent,
        )
    if n["valid"] == 0:
        return StageState(
            counts,
            ready=False,
            todo="No atom passes its own cases yet: open an invalid one, fix it and save.",
            next=Link("Invalid atoms", f"{atoms}?status=invalid"),
            recent=recent,
        )
    review = Link("Review queue", reverse("atom-review-queue")) if n["unreviewed"] else None
    todo = f"{n['unreviewed']} atoms await review." if n["unreviewed"] else ""
    return StageState(counts, ready=True, todo=todo, next=review, recent=recent)

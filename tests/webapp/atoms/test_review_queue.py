"""The review queue's edges: `k` at the first atom stays there, and a decision can be undone
once, soon after, by a real POST that restores the previous review and is logged as an event."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from webapp.atoms.models import Atom, AtomReview, ReviewState
from webapp.atoms.services import UNDO_WINDOW

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rita(client: Client, researcher: Any) -> Client:
    client.force_login(researcher)
    return client


def _slugs() -> list[str]:
    return list(Atom.objects.order_by("topic", "slug").values_list("slug", flat=True))


def _undo_url(card: str) -> str:
    match = re.search(r'hx-post="(/atoms/review/[^"]+/undo/\d+/)"', card)
    assert match, card[:400]
    return match.group(1)


def test_k_on_the_first_atom_has_nowhere_to_go_and_j_on_the_last_wraps(rita: Client, loaded: Any) -> None:
    slugs = _slugs()
    first = rita.get("/atoms/review/", **HTMX).content.decode()
    assert f'data-slug="{slugs[0]}"' in first and 'data-hotkey="k"' not in first
    last = rita.get(f"/atoms/review/?at={slugs[-1]}", **HTMX).content.decode()
    assert f"at={slugs[-2]}" in last and 'data-hotkey="k"' in last
    assert f'hx-get="?state=unreviewed&amp;at={slugs[0]}"' in last  # j wraps to the first


def test_undo_restores_the_previous_review_and_logs_it(rita: Client, loaded: Any, researcher: Any) -> None:
    first, second = _slugs()[:2]
    card = rita.post(f"/atoms/review/{first}/", {"state": "approved", "queue": "unreviewed"}, **HTMX)
    html = card.content.decode()
    assert f'data-slug="{second}"' in html and 'id="undo-bar"' in html
    assert f"<code>{first}</code> set to" in html
    assert Atom.objects.get(slug=first).review_state == ReviewState.APPROVED

    back = rita.post(_undo_url(html), {"queue": "unreviewed"}, **HTMX).content.decode()
    assert f'<div id="queue-card" data-slug="{first}"' in back  # the undone atom is shown again
    assert 'id="undo-bar"' not in back
    atom = Atom.objects.get(slug=first)
    assert (atom.review_state, atom.reviewed_by, atom.reviewed_at, atom.reviewed_version) == (
        ReviewState.UNREVIEWED,
        None,
        None,
        None,
    )
    decision, undo = AtomReview.objects.filter(atom=atom).order_by("created_at", "id")
    assert (decision.state, undo.state, undo.by) == ("approved", "unreviewed", researcher)
    assert undo.changes == {"state": ["approved", "unreviewed"], "undoes": decision.pk}

    again = rita.post(_undo_url(html), {"queue": "unreviewed"}, **HTMX).content.decode()
    assert "Not undone" in again and Atom.objects.get(slug=first).review_state == ReviewState.UNREVIEWED


def test_undo_keeps_an_earlier_reviewer_and_refuses_an_old_or_superseded_decision(
    rita: Client, loaded: Any, admin_user: Any
) -> None:
    from webapp.atoms.services import atom_review

    slug = _slugs()[0]
    atom_review(atom=Atom.objects.get(slug=slug), state="needs_work", by=admin_user)
    earlier = Atom.objects.get(slug=slug).reviewed_at
    card = rita.post(f"/atoms/review/{slug}/", {"state": "approved", "queue": "needs_work"}, **HTMX)
    url = _undo_url(card.content.decode())
    rita.post(url, {"queue": "needs_work"}, **HTMX)
    atom = Atom.objects.get(slug=slug)
    assert (atom.review_state, atom.reviewed_by, atom.reviewed_at) == ("needs_work", admin_user, earlier)

    card = rita.post(f"/atoms/review/{slug}/", {"state": "approved", "queue": "needs_work"}, **HTMX)
    url = _undo_url(card.content.decode())
    AtomReview.objects.filter(pk=int(url.rstrip("/").rsplit("/", 1)[1])).update(
        created_at=atom.reviewed_at - UNDO_WINDOW - timedelta(minutes=1)
    )
    late = rita.post(url, {"queue": "needs_work"}, **HTMX).content.decode()
    assert "Not undone: a decision can be undone for 10 minutes." in late
    assert Atom.objects.get(slug=slug).review_state == ReviewState.APPROVED


def test_a_viewer_cannot_undo(client: Client, viewer: Any, researcher: Any, loaded: Any) -> None:
    from webapp.atoms.services import atom_review

    atom = Atom.objects.order_by("topic", "slug").first()
    assert atom is not None
    decision = atom_review(atom=atom, state="approved", by=researcher)
    client.force_login(viewer)
    response = client.post(f"/atoms/review/{atom.slug}/undo/{decision.pk}/", **HTMX)
    assert response.status_code == 403
    assert Atom.objects.get(pk=atom.pk).review_state == ReviewState.APPROVED

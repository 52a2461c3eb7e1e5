"""A recipe the builder refused to save is kept as this session's draft of that mixture, so
a reload (or coming back later) shows it again instead of the stored version; the builder
says so and offers to discard it. A save or freeze that goes through drops it."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

#: The recipe's inputs (the CSRF token is not kept).
_FIELDS = ("seed", "tokenizer", "source", "ratio", "lang", "role")


def _key(mixture_id: int) -> str:
    return f"mixture_draft_{mixture_id}"


def draft_keep(request: HttpRequest, mixture_id: int, data: QueryDict) -> None:
    """Keep the refused post ``data`` as the draft of mixture ``mixture_id``."""
    request.session[_key(mixture_id)] = {name: data.getlist(name) for name in _FIELDS}


def draft_get(request: HttpRequest, mixture_id: int) -> QueryDict | None:
    """The kept draft of mixture ``mixture_id`` as the post it came from (``None``: none)."""
    kept = request.session.get(_key(mixture_id))
    if not isinstance(kept, dict):
        return None
    data = QueryDict(mutable=True)
    for name in _FIELDS:
        data.setlist(name, [str(v) for v in kept.get(name) or []])
    return data


def draft_drop(request: HttpRequest, mixture_id: int) -> None:
    """Forget the draft (saved, frozen or discarded)."""
    request.session.pop(_key(mixture_id), None)

"""A recipe the builder refused to save is kept as this session's draft of that mixture, so
a reload (or coming back later) shows it again, with what was wrong, instead of the stored
version; the builder says so and offers to discard it. A save or freeze that goes through
drops it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

from webapp.mixtures.forms import RecipeForm

#: The recipe's inputs (the CSRF token is not kept).
_FIELDS = ("seed", "tokenizer", "source", "ratio", "lang", "role")


def _key(mixture_id: int) -> str:
    return f"mixture_draft_{mixture_id}"


def draft_keep(request: HttpRequest, mixture_id: int, data: QueryDict, recipe: RecipeForm) -> None:
    """Keep the refused post ``data`` as the draft of mixture ``mixture_id``, with the
    problems the save found (some, such as an unknown source, only a save finds)."""
    request.session[_key(mixture_id)] = {
        "post": {name: data.getlist(name) for name in _FIELDS},
        "errors": list(recipe.errors),
        "field_errors": dict(recipe.field_errors),
    }


def draft_get(request: HttpRequest, mixture_id: int) -> RecipeForm | None:
    """The kept draft of mixture ``mixture_id`` as the builder's form (``None``: none)."""
    kept: Any = request.session.get(_key(mixture_id))
    if not isinstance(kept, dict) or not isinstance(kept.get("post"), dict):
        return None
    data = QueryDict(mutable=True)
    for name in _FIELDS:
        data.setlist(name, [str(v) for v in kept["post"].get(name) or []])
    recipe = RecipeForm.from_post(data)
    recipe.errors += [str(e) for e in kept.get("errors") or [] if str(e) not in recipe.errors]
    for name, message in (kept.get("field_errors") or {}).items():
        recipe.field_errors.setdefault(str(name), str(message))
    return recipe


def draft_drop(request: HttpRequest, mixture_id: int) -> None:
    """Forget the draft (saved, frozen or discarded)."""
    request.session.pop(_key(mixture_id), None)

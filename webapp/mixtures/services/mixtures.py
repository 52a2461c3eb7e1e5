"""Mixtures and their versions: create one, save a recipe edit."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from webapp.accounts.models import User
from webapp.core.problems import source_names
from webapp.mixtures import budget
from webapp.mixtures.models import Mixture, MixtureVersion
from webapp.mixtures.recipe import Item, RecipeError
from webapp.mixtures.tokenizing import token_counter


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

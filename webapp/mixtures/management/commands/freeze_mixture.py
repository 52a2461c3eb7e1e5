"""``manage.py freeze_mixture NAME [--recipe FILE] [--at-version N]``: freeze a mixture here
and print its snapshot hash (first line) and path.

With ``--recipe`` the mixture NAME is created from the file, or its recipe is replaced by the
file's (a frozen version is kept and the edit becomes the next version, as in the builder),
and then frozen; the builder offers the same file for download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.mixtures.models import Mixture, MixtureVersion
from webapp.mixtures.recipe import mixture_name_problem
from webapp.mixtures.recipe_file import recipe_parse
from webapp.mixtures.services import (
    RecipeError,
    TokenizerError,
    mixture_create,
    mixture_save,
    snapshot_freeze,
)
from webapp.mixtures.storage import snapshot_file


class Command(BaseCommand):
    help = (
        "Freeze a mixture's latest version (or --at-version N) into snapshots/<sha256>.jsonl under "
        "ARTIFACT_ROOT, in this process; with --recipe FILE (YAML or JSON) create or update the "
        "mixture from the file first. Prints the snapshot's hash (first line) and path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the mixture's name")
        parser.add_argument("--recipe", default=None, help="a recipe file: seed, tokenizer, sources")
        parser.add_argument("--at-version", type=int, default=None, help="a version number (default: latest)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["recipe"] and opts["at_version"] is not None:
            raise CommandError("--recipe makes the latest version; it cannot be used with --at-version")
        try:
            if opts["recipe"]:
                version = self._from_recipe(opts["name"], Path(opts["recipe"]))
            else:
                version = self._existing(opts["name"], opts["at_version"])
            snapshot = snapshot_freeze(
                version=version,
                by=None,
                on_progress=lambda done, total, msg: self.stderr.write(f"[{done}/{total}] {msg}"),
            )
        except (RecipeError, TokenizerError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(snapshot.sha256)
        self.stdout.write(str(snapshot_file(snapshot.sha256)))

    def _from_recipe(self, name: str, path: Path) -> MixtureVersion:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read the recipe {path}: {exc}") from exc
        try:
            recipe = recipe_parse(text)
        except RecipeError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        mixture = Mixture.objects.filter(name=name).first()
        if mixture is None and (problem := mixture_name_problem(name)):
            raise CommandError(problem)
        if mixture is None:
            mixture = mixture_create(
                name=name,
                by=None,
                seed=recipe.seed,
                tokenizer=recipe.tokenizer,
                items=recipe.items,
                description=recipe.description,
            )
            self.stderr.write(f"created mixture {name}")
            return mixture.latest
        version = mixture_save(
            mixture=mixture, by=None, seed=recipe.seed, tokenizer=recipe.tokenizer, items=recipe.items
        )
        self.stderr.write(f"mixture {name}: version {version.number}")
        return version

    def _existing(self, name: str, number: int | None) -> MixtureVersion:
        mixture = Mixture.objects.filter(name=name).first()
        if mixture is None:
            known = ", ".join(Mixture.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no mixture named {name!r}; mixtures: {known} (or give --recipe FILE)")
        if number is None:
            return mixture.latest
        try:
            return MixtureVersion.objects.get(mixture=mixture, number=number)
        except MixtureVersion.DoesNotExist as exc:
            raise CommandError(f"{mixture.name} has no version {number}") from exc

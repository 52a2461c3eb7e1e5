"""``manage.py freeze_mixture NAME [--at-version N]``: freeze a mixture here, print hash and path."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.mixtures.models import Mixture, MixtureVersion
from webapp.mixtures.services import RecipeError, TokenizerError, snapshot_freeze
from webapp.mixtures.storage import snapshot_file


class Command(BaseCommand):
    help = (
        "Freeze a mixture's latest version (or --at-version N) into snapshots/<sha256>.jsonl under "
        "ARTIFACT_ROOT, in this process. Prints the snapshot's hash and path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the mixture's name")
        parser.add_argument("--at-version", type=int, default=None, help="a version number (default: latest)")

    def handle(self, *args: Any, **opts: Any) -> None:
        mixture = Mixture.objects.filter(name=opts["name"]).first()
        if mixture is None:
            known = ", ".join(Mixture.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no mixture named {opts['name']!r}; mixtures: {known}")
        try:
            version = (
                mixture.latest
                if opts["at_version"] is None
                else MixtureVersion.objects.get(mixture=mixture, number=opts["at_version"])
            )
        except MixtureVersion.DoesNotExist as exc:
            raise CommandError(f"{mixture.name} has no version {opts['at_version']}") from exc
        try:
            snapshot = snapshot_freeze(
                version=version,
                by=None,
                on_progress=lambda done, total, msg: self.stderr.write(f"[{done}/{total}] {msg}"),
            )
        except (RecipeError, TokenizerError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(snapshot.sha256)
        self.stdout.write(str(snapshot_file(snapshot.sha256)))

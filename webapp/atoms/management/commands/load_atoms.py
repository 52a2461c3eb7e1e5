"""``manage.py load_atoms [--force]``: load or update the hand-written atom library."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webapp.atoms.services import library_load


class Command(BaseCommand):
    help = (
        "Load the atom library from webapp/atoms/library/ idempotently. Atoms edited in the app "
        "are kept unless --force, which stores the library version as a new revision."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite atoms edited in the app (their edit stays a revision)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        report = library_load(force=opts["force"])
        self.stdout.write(f"load_atoms: {report.summary()}")
        if report.kept_edits:
            self.stdout.write(
                f"  kept app edits of: {', '.join(report.kept_edits)} (use --force to replace them)"
            )
        if report.conflicts:
            self.stderr.write(
                f"  slugs already used by atoms written in the app: {', '.join(report.conflicts)}"
            )

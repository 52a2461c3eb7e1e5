"""``manage.py seed``: load every seed data set the installed apps ship (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

#: Loader commands (with their options) in dependency order; each is idempotent. An app adds
#: its own here. Validating only pending atoms makes a second seed cost nothing.
SEED_COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load_atoms", ()),
    ("validate_atoms", ("--pending",)),
)


class Command(BaseCommand):
    help = "Load the seed data of every installed app (runs each loader that exists)."

    def handle(self, *args: Any, **opts: Any) -> None:
        available = get_commands()
        ran = []
        for name, options in SEED_COMMANDS:
            if name in available:
                call_command(name, *options, stdout=self.stdout, stderr=self.stderr)
                ran.append(name)
        self.stdout.write(f"seed: ran {', '.join(ran) if ran else 'no loaders (none installed yet)'}")

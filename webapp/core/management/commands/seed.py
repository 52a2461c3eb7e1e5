"""``manage.py seed``: load every seed data set the installed apps ship (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

#: Loader commands in dependency order; each is idempotent. An app adds its own here.
SEED_COMMANDS: tuple[str, ...] = ("load_atoms",)


class Command(BaseCommand):
    help = "Load the seed data of every installed app (runs each loader that exists)."

    def handle(self, *args: Any, **opts: Any) -> None:
        available = get_commands()
        ran = [name for name in SEED_COMMANDS if name in available]
        for name in ran:
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"seed: ran {', '.join(ran) if ran else 'no loaders (none installed yet)'}")

"""``manage.py create_admin``: create the first admin without prompting (idempotent)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webapp.accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Create an admin account non-interactively; prints the password once if generated."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=os.environ.get("ATOMLAB_ADMIN_USER", "admin"))
        parser.add_argument(
            "--password",
            default=os.environ.get("ATOMLAB_ADMIN_PASSWORD"),
            help="default: $ATOMLAB_ADMIN_PASSWORD, else a random one printed once",
        )
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        user, password = admin_ensure(
            username=opts["username"], password=opts["password"], email=opts["email"]
        )
        if password is None:
            self.stdout.write(
                f"admin {user.username!r} already exists; nothing changed (log in with the password "
                f"printed when it was created; manage.py changepassword {user.username} sets a new one)"
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"created admin {user.username!r} with password {password}"))

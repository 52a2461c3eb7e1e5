"""``manage.py create_user NAME --role viewer|researcher|admin``: add an account from a shell."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.accounts.models import Role, User
from webapp.accounts.services import new_password, user_create


class Command(BaseCommand):
    help = "Create a user with a role; prints a generated password once, or reads one from stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin instead of generating one",
        )
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"].strip()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists; change its role on the Users page")
        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin: stdin gave an empty password")
        else:
            password = new_password()
        user = user_create(username=username, password=password, role=Role(opts["role"]), email=opts["email"])
        line = f"created {user.get_role_display().lower()} {username!r}"
        if not opts["password_stdin"]:
            line += f" with password {password}"
        self.stdout.write(self.style.SUCCESS(line))

"""The first admin is created non-interactively, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from webapp.accounts.models import User


@pytest.mark.django_db
def test_create_admin_prints_a_generated_password_once_and_is_idempotent() -> None:
    out = StringIO()
    call_command("create_admin", "--username", "boss", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("created admin 'boss' with password ")
    password = line.rsplit(" ", 1)[-1]
    user = User.objects.get(username="boss")
    assert user.check_password(password)
    assert user.is_superuser and user.is_staff and user.role == "admin"

    again = StringIO()
    call_command("create_admin", "--username", "boss", stdout=again)
    assert "already exists; nothing changed" in again.getvalue()
    assert password not in again.getvalue()
    assert User.objects.filter(username="boss").count() == 1


@pytest.mark.django_db
def test_create_admin_uses_the_given_password() -> None:
    call_command("create_admin", "--username", "root2", "--password", "s3cret-pass", stdout=StringIO())
    assert User.objects.get(username="root2").check_password("s3cret-pass")

"""Admins manage accounts on the users page; ``manage.py create_user`` does it from a shell."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from webapp.accounts.models import User


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _logs_in(username: str) -> bool:
    """Whether the login form lets ``username`` in (the form is the way in: it goes through
    every authentication backend, login throttling included)."""
    response = Client().post(reverse("login"), {"username": username, "password": "pw-for-tests"})
    return response.status_code == 302


def test_an_admin_adds_a_user_with_a_role_and_sees_the_generated_password_once(admin_user: Any) -> None:
    client = _client(admin_user)
    response = client.post(reverse("users"), {"username": "nina", "role": "researcher"}, follow=True)
    html = response.content.decode()
    assert "Added nina as researcher. Password (shown once): " in html
    password = html.split("Password (shown once): ", 1)[1].split("<", 1)[0].strip()
    nina = User.objects.get(username="nina")
    assert nina.role == "researcher" and nina.check_password(password) and not nina.is_staff
    assert password not in client.get(reverse("users")).content.decode()


def test_adding_a_taken_name_says_so_next_to_the_field(admin_user: Any) -> None:
    response = _client(admin_user).post(reverse("users"), {"username": "ada", "role": "viewer"})
    html = response.content.decode()
    assert response.status_code == 400
    field = html.split('data-field="username"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "&#x27;ada&#x27; is taken; choose another name" in field


def test_an_admin_changes_a_role_and_admin_rights_follow_it(admin_user: Any, viewer: Any) -> None:
    client = _client(admin_user)
    client.post(reverse("user-role", args=[viewer.pk]), {"role": "admin"})
    viewer.refresh_from_db()
    assert viewer.role == "admin" and viewer.is_staff and viewer.is_superuser
    response = client.post(reverse("user-role", args=[viewer.pk]), {"role": "viewer"}, follow=True)
    viewer.refresh_from_db()
    assert viewer.role == "viewer" and not viewer.is_superuser
    assert "vera is now viewer." in response.content.decode()


def test_a_deactivated_user_cannot_log_in_and_can_be_reactivated(admin_user: Any, researcher: Any) -> None:
    client = _client(admin_user)
    response = client.post(reverse("user-active", args=[researcher.pk]), {"active": "0"}, follow=True)
    assert "rita deactivated: they can no longer log in." in response.content.decode()
    assert not _logs_in("rita")
    client.post(reverse("user-active", args=[researcher.pk]), {"active": "1"})
    assert _logs_in("rita")


def test_the_last_admin_cannot_be_demoted_or_deactivate_themselves(admin_user: Any) -> None:
    client = _client(admin_user)
    response = client.post(reverse("user-role", args=[admin_user.pk]), {"role": "viewer"}, follow=True)
    assert "ada is the last active admin; make someone else an admin first." in response.content.decode()
    response = client.post(reverse("user-active", args=[admin_user.pk]), {"active": "0"}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == "admin" and admin_user.is_active


@pytest.mark.parametrize("name", ["users", "user-role", "user-active"])
def test_only_admins_manage_users(researcher: Any, name: str) -> None:
    url = reverse(name) if name == "users" else reverse(name, args=[researcher.pk])
    response = _client(researcher).post(url, {"role": "admin", "active": "0", "username": "x"})
    assert response.status_code == 403 and "This needs the admin role." in response.content.decode()
    researcher.refresh_from_db()
    assert researcher.role == "researcher" and researcher.is_active


def test_the_users_link_shows_only_to_admins(admin_user: Any, researcher: Any) -> None:
    assert 'href="/users/"' in _client(admin_user).get(reverse("dashboard")).content.decode()
    assert 'href="/users/"' not in _client(researcher).get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_create_user_prints_a_generated_password() -> None:
    out = io.StringIO()
    call_command("create_user", "omar", "--role", "viewer", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("created viewer 'omar' with password ")
    assert User.objects.get(username="omar").check_password(line.rsplit(" ", 1)[1])


@pytest.mark.django_db
def test_create_user_reads_the_password_from_stdin_and_prints_none(monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    out = io.StringIO()
    call_command("create_user", "pia", "--role", "admin", "--password-stdin", stdout=out)
    pia = User.objects.get(username="pia")
    assert pia.check_password("s3cret pass") and pia.is_superuser and "s3cret" not in out.getvalue()


@pytest.mark.django_db
def test_create_user_refuses_a_taken_name() -> None:
    UserFactory(username="quinn")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "quinn", "--role", "viewer", stdout=io.StringIO())

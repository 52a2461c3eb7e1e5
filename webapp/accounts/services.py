"""Writes to accounts: the one place users are created."""

from __future__ import annotations

import secrets

from webapp.accounts.models import Role, User


def user_create(*, username: str, password: str, role: Role, email: str = "", staff: bool = False) -> User:
    """Create an active user with ``role``. Admins also get Django admin access."""
    is_admin = role == Role.ADMIN
    return User.objects.create_user(
        username=username,
        password=password,
        email=email,
        role=role,
        is_staff=is_admin or staff,
        is_superuser=is_admin,
    )


def admin_ensure(*, username: str, password: str | None, email: str = "") -> tuple[User, str | None]:
    """The admin named ``username``, created if missing.

    Returns the user and the password when this call created it (generated when ``password``
    is None), or None when the user already existed and nothing changed.
    """
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, None
    chosen = password or secrets.token_urlsafe(12)
    return user_create(username=username, password=chosen, role=Role.ADMIN, email=email), chosen

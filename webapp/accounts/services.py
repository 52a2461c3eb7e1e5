"""Writes to accounts: the one place users are created, given roles and deactivated."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Q

from webapp.accounts.models import Role, User
from webapp.core.access import Action, Refused, require


def new_password() -> str:
    """A random password to show once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def _flags(role: Role) -> dict[str, bool]:
    # Admins also get the Django admin site; nobody else does.
    return {"is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN}


def user_create(*, username: str, password: str, role: Role, email: str = "", staff: bool = False) -> User:
    """Create an active user with ``role``. Admins also get Django admin access."""
    flags = _flags(role)
    return User.objects.create_user(
        username=username,
        password=password,
        email=email,
        role=role,
        is_staff=flags["is_staff"] or staff,
        is_superuser=flags["is_superuser"],
    )


def admin_ensure(*, username: str, password: str | None, email: str = "") -> tuple[User, str | None]:
    """The admin named ``username``, created if missing.

    Returns the user and the password when this call created it (generated when ``password``
    is None), or None when the user already existed and nothing changed.
    """
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, None
    chosen = password or new_password()
    return user_create(username=username, password=chosen, role=Role.ADMIN, email=email), chosen


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


def _other_active_admins(user: User) -> bool:
    admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    return admins.exclude(pk=user.pk).exists()


@transaction.atomic
def user_set_role(*, user: User, role: Role, by: User) -> User:
    """Give ``user`` the role ``role`` (admins only). The last active admin keeps the role,
    so nobody can lock the app out of its users page."""
    require(by, Action.USERS_MANAGE)
    user = User.objects.select_for_update().get(pk=user.pk)
    if _is_admin(user) and role != Role.ADMIN and user.is_active and not _other_active_admins(user):
        raise Refused(f"{user.username} is the last active admin; make someone else an admin first.")
    user.role = role
    for name, value in _flags(role).items():
        setattr(user, name, value)
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: User) -> User:
    """Deactivate (no login, no role) or reactivate ``user`` (admins only). Nobody
    deactivates themselves, and the last active admin stays active."""
    require(by, Action.USERS_MANAGE)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not active:
        if user.pk == by.pk:
            raise Refused("You cannot deactivate your own account.")
        if _is_admin(user) and not _other_active_admins(user):
            raise Refused(f"{user.username} is the last active admin.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user

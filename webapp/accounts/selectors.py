"""Reads of accounts (STYLE rules 2 and 3): only admins list and manage users."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webapp.accounts.models import User
from webapp.core.access import Action, require


def user_list(*, fetched_by: Any) -> QuerySet[User]:
    """Every account, active ones first, by name."""
    require(fetched_by, Action.USERS_MANAGE)
    return User.objects.order_by("-is_active", "username")


def user_get_for_manage(*, user_id: int, by: Any) -> User:
    """One account an admin may change (404 when there is none)."""
    require(by, Action.USERS_MANAGE)
    return get_object_or_404(User, pk=user_id)

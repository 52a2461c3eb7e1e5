"""Role checks: the one place that decides whether a user may act.

Per-entity helpers (``run_get_for_change`` and the like) live in each app's selectors and
call :func:`require_role` for the role part, so the rule itself is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from webapp.accounts.models import Role, User

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def require_role(user: Any, role: Role) -> User:
    """Return ``user`` if it holds ``role`` (or above); raise ``PermissionDenied`` otherwise."""
    if not isinstance(user, User) or not user.has_role(role):
        raise PermissionDenied(f"This needs the {role.label.lower()} role.")
    return user


def role_required(role: Role) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: 403 unless the logged-in user holds ``role``."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request.user, role)
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorate

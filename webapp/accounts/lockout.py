"""What a locked-out login sees: the login page again, with the reason and when to retry.

django-axes counts failed logins per (username, client address) and calls
:func:`lockout_response` instead of logging in once ``AXES_FAILURE_LIMIT`` is reached, even
for the right password, until ``AXES_COOLOFF_TIME`` has passed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60:
        minutes = -(-seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def lockout_message() -> str:
    """The sentence shown on a locked-out login."""
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return (
        f"Too many failed logins: after {settings.AXES_FAILURE_LIMIT} wrong passwords this account "
        f"is locked from your address for {_duration(cooloff)}. Try again then, or ask an "
        "administrator to unlock it (manage.py axes_reset_username NAME)."
    )


def lockout_response(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes' ``AXES_LOCKOUT_CALLABLE``: the login page, status 429, with the reason."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)

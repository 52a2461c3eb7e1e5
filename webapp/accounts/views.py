"""The users page: admins add accounts with a role, change roles, deactivate accounts.
Views stay thin (STYLE rule 1)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from webapp.accounts import selectors, services
from webapp.accounts.forms import RoleForm, UserAddForm
from webapp.accounts.models import Role
from webapp.core.access import Action, AuthedHttpRequest, Refused, allowed
from webapp.core.htmx import render_page


@require_http_methods(["GET", "POST"])
@allowed(Action.USERS_MANAGE)
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every account with its role and state; POST adds one (its password shown once)."""
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"] or services.new_password()
        user = services.user_create(
            username=form.cleaned_data["username"], password=password, role=Role(form.cleaned_data["role"])
        )
        shown = "" if form.cleaned_data["password"] else f" Password (shown once): {password}"
        messages.success(request, f"Added {user.username} as {user.get_role_display().lower()}.{shown}")
        return redirect("users")
    rows = [
        (u, RoleForm(initial={"role": u.role}, auto_id=f"role-{u.pk}-%s"))
        for u in selectors.user_list(fetched_by=request.user)
    ]
    context = {"rows": rows, "form": form}
    return render_page(request, "accounts/users.html", context, status=400 if form.errors else 200)


@require_POST
def user_role(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """Change one account's role."""
    user = selectors.user_get_for_manage(user_id=user_id, by=request.user)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            user = services.user_set_role(user=user, role=Role(form.cleaned_data["role"]), by=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{user.username} is now {user.get_role_display().lower()}.")
    return redirect("users")


@require_POST
def user_active(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) one account."""
    user = selectors.user_get_for_manage(user_id=user_id, by=request.user)
    active = request.POST.get("active") == "1"
    try:
        user = services.user_set_active(user=user, active=active, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        state = "reactivated" if active else "deactivated: they can no longer log in"
        messages.success(request, f"{user.username} {state}.")
    return redirect("users")

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from webapp.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """User management for admins, with the role editable beside Django's own fields."""

    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Atomlab", {"fields": ("role",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Atomlab", {"fields": ("role",)}))

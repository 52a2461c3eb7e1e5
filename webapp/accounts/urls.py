"""URLs under /users/ (admins only)."""

from django.urls import path

from webapp.accounts import views

urlpatterns = [
    path("", views.user_list, name="users"),
    path("<int:user_id>/role", views.user_role, name="user-role"),
    path("<int:user_id>/active", views.user_active, name="user-active"),
]

"""URLs under /playground/. The section's entry page is named "playground" (the navigation links to it)."""

from django.urls import path

from webapp.playground import views

urlpatterns = [
    path("", views.index, name="playground"),
    path("<int:request_id>/", views.detail, name="playground-request"),
    path("<int:request_id>/progress", views.progress, name="playground-progress"),
    path("<int:request_id>/cancel", views.cancel, name="playground-cancel"),
]

"""URLs under /datasets/. The section's entry page is named "datasets" (the navigation links to it)."""

from django.urls import path

from webapp.core import views as core_views

# Until this app's pages land, its section shows the placeholder page.
urlpatterns = [
    path("", core_views.section_placeholder, {"slug": "datasets"}, name="datasets"),
]

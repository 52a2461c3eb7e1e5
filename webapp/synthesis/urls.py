"""URLs under /composites/. The section's entry page is named "composites" (the navigation links to it)."""

from django.urls import path

from webapp.synthesis import views

urlpatterns = [
    path("", views.composite_list, name="composites"),
    path("<int:composite_id>/", views.composite_detail, name="composite"),
    path("synthesize/", views.synthesize, name="synthesize"),
    path("runs/<int:run_id>/", views.run_detail, name="synthesis-run"),
]

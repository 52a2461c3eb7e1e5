"""URLs under /evaluations/. The section's entry page is named "evaluations" (the navigation links to it)."""

from django.urls import path

from webapp.evaluation import views

urlpatterns = [
    path("", views.run_list, name="evaluations"),
    path("new/", views.launch, name="eval-launch"),
    path("table/", views.table, name="eval-table"),
    path("compare/", views.compare, name="eval-compare"),
    path("generations/", views.generation_list, name="eval-generations"),
    path("generations/<int:generation_id>/", views.generation_detail, name="eval-generation"),
    path(
        "generations/<int:generation_id>/review", views.generation_review_view, name="eval-generation-review"
    ),
    path("<int:run_id>/", views.run_detail, name="eval-run"),
    path("<int:run_id>/progress", views.run_progress, name="eval-progress"),
    path("<int:run_id>/cancel", views.run_cancel, name="eval-cancel"),
    path("<int:run_id>/rescore", views.run_rescore, name="eval-rescore"),
    path("<int:run_id>/labels", views.run_labels, name="eval-labels"),
]

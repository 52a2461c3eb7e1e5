"""URLs under /runs/. The section's entry page is named "runs" (the navigation links to it)."""

from django.urls import path

from webapp.training import views

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("launch/", views.run_launch_view, name="run-launch"),
    path("compare/", views.run_compare, name="run-compare"),
    path("overlay/", views.run_overlay, name="run-overlay"),
    path("<int:run_id>/", views.run_detail, name="run"),
    path("<int:run_id>/metrics", views.run_metrics, name="run-metrics"),
    path("<int:run_id>/rollouts/", views.run_rollouts, name="run-rollouts"),
    path(
        "<int:run_id>/checkpoints/<int:step>.tar.gz",
        views.run_checkpoint_download,
        name="run-checkpoint-download",
    ),
    path("<int:run_id>/cancel", views.run_cancel_view, name="run-cancel"),
    path("<int:run_id>/resume", views.run_resume_view, name="run-resume"),
    path("<int:run_id>/labels", views.run_labels, name="run-labels"),
]

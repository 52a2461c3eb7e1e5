"""URLs under /datasets/. The section's entry page is named "datasets" (the navigation links to it)."""

from django.urls import path, re_path

from webapp.mixtures import views

urlpatterns = [
    path("", views.mixture_list, name="datasets"),
    path("new/", views.mixture_new, name="mixture-new"),
    path("mixtures/preview", views.mixture_preview, name="mixture-preview"),
    path("mixtures/item-row", views.mixture_item_row, name="mixture-item-row"),
    path("mixtures/<int:mixture_id>/", views.mixture_builder, name="mixture"),
    path("mixtures/<int:mixture_id>/recipe.yaml", views.mixture_recipe, name="mixture-recipe"),
    path("mixtures/<int:mixture_id>/save", views.mixture_save, name="mixture-save"),
    path("mixtures/<int:mixture_id>/freeze", views.mixture_freeze, name="mixture-freeze"),
    path("freeze/<int:job_id>/", views.freeze_status, name="freeze-status"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/<str:sha>/", views.snapshot_detail, name="snapshot"),
    path("snapshots/<str:sha>/contamination", views.snapshot_contamination, name="snapshot-contamination"),
    re_path(
        r"^snapshots/(?P<sha>[0-9a-f]{4,64})/download\.(?P<fmt>jsonl|parquet)$",
        views.snapshot_download,
        name="snapshot-download",
    ),
    path("benchmarks/", views.benchmark_list, name="benchmarks"),
    path("benchmarks/<slug:name>/", views.benchmark_detail, name="benchmark"),
    path("benchmarks/<slug:name>/delete", views.benchmark_delete, name="benchmark-delete"),
]

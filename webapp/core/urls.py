from django.urls import path

from webapp.core import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health", views.health_page, name="health"),
    path("health/roundtrip", views.health_roundtrip, name="health-roundtrip"),
    path("livez", views.livez, name="livez"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("queue/", views.queue_page, name="queue"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/cancel", views.job_cancel, name="job-cancel"),
]

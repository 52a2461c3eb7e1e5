"""URLs under /studies/."""

from django.urls import path

from webapp.studies import views

urlpatterns = [
    path("", views.study_list, name="studies"),
    path("new/", views.study_new, name="study-new"),
    path("new/check", views.study_validate, name="study-validate"),
    path("templates/<slug:name>.yaml", views.template_download, name="study-template"),
    path("<int:study_id>/", views.study_detail, name="study"),
    path("<int:study_id>/cancel", views.study_cancel, name="study-cancel"),
    path("<int:study_id>/retry", views.study_retry, name="study-retry"),
    path("<int:study_id>/units/<int:unit_id>/resume", views.unit_resume, name="study-unit-resume"),
    path("<int:study_id>/files/<slug:key>", views.study_file, name="study-file"),
]

from django.apps import AppConfig


class StudiesAppConfig(AppConfig):
    name = "webapp.studies"
    label = "studies"
    verbose_name = "Studies"

from django.apps import AppConfig


class AtomsConfig(AppConfig):
    name = "webapp.atoms"
    label = "atoms"
    verbose_name = "Atoms"

from django.apps import AppConfig


class MixturesConfig(AppConfig):
    name = "webapp.mixtures"
    label = "mixtures"
    verbose_name = "Datasets"

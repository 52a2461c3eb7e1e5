from django.apps import AppConfig


class TrainingAppConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training runs"

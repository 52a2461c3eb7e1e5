from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "webapp.synthesis"
    label = "synthesis"
    verbose_name = "Composites"

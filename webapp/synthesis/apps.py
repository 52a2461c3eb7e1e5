"""Composite synthesis: problems built by composing atoms, validated in the sandbox, in disjoint pools."""

from django.apps import AppConfig


class SynthesisAppConfig(AppConfig):
    name = "webapp.synthesis"
    label = "synthesis"
    verbose_name = "Composites"

    def ready(self) -> None:
        from webapp.core.dashboard import register_summary
        from webapp.core.problems import register_provider
        from webapp.synthesis.dashboard import summary
        from webapp.synthesis.problems import CompositeProblems

        register_provider(CompositeProblems())
        register_summary("composites", summary)  # its stage on the dashboard

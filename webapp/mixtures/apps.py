from django.apps import AppConfig


class MixturesAppConfig(AppConfig):
    name = "webapp.mixtures"
    label = "mixtures"
    verbose_name = "Datasets"

    def ready(self) -> None:
        from webapp.core.dashboard import register_summary
        from webapp.core.problems import register_provider
        from webapp.mixtures.dashboard import summary
        from webapp.mixtures.problems import BenchmarkProblems, SnapshotProblems

        register_provider(BenchmarkProblems())
        register_provider(SnapshotProblems())
        register_summary("datasets", summary)  # its stage on the dashboard

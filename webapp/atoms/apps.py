from django.apps import AppConfig


class AtomsAppConfig(AppConfig):
    name = "webapp.atoms"
    label = "atoms"
    verbose_name = "Atoms"

    def ready(self) -> None:
        from webapp.atoms.dashboard import summary
        from webapp.atoms.problems import AtomProblems, TranslationProblems
        from webapp.core.dashboard import register_summary
        from webapp.core.problems import register_provider

        register_provider(AtomProblems())
        register_provider(TranslationProblems())
        register_summary("atoms", summary)  # its stage on the dashboard

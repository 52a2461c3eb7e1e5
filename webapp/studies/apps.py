from django.apps import AppConfig


class StudiesAppConfig(AppConfig):
    name = "webapp.studies"
    label = "studies"
    verbose_name = "Studies"

    def ready(self) -> None:
        # Imported here, not at the top: services imports models, which cannot load before
        # the app registry is ready.
        from webapp.core.dashboard import register_summary
        from webapp.core.jobs import job_finished
        from webapp.studies.dashboard import summary
        from webapp.studies.selectors import study_runs
        from webapp.studies.services import on_job_finished
        from webapp.training.panels import RunSource, register_run_source

        # A study waits on its runs and evaluations: when one of them ends, advance the study.
        job_finished.connect(on_job_finished, dispatch_uid="studies-advance-on-job-finished")
        register_summary("studies", summary)  # its stage on the dashboard
        register_run_source(RunSource("study", study_runs))  # the overlay's ?study=N

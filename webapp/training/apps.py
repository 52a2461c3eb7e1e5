from django.apps import AppConfig


class TrainingAppConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training runs"

    def ready(self) -> None:
        # Events of ``run-<pk>`` jobs reach the one events task (webapp.core.events).
        from webapp.core.events import register_event_handler
        from webapp.core.jobs import register_reap_hook
        from webapp.training.liveness import runs_check
        from webapp.training.progress import event_apply

        register_event_handler("run-", event_apply)
        # The GPU worker's Redis heartbeat says whether a run is alive.
        register_reap_hook(runs_check)

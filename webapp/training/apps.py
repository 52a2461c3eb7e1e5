from django.apps import AppConfig


class TrainingAppConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training runs"

    def ready(self) -> None:
        # Events of ``run-<pk>`` jobs reach the one events task (webapp.core.events).
        from webapp.core.events import register_event_handler
        from webapp.training.progress import event_apply

        register_event_handler("run-", event_apply)

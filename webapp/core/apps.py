from django.apps import AppConfig


class CoreAppConfig(AppConfig):
    name = "webapp.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Load the Celery app with Django so that ``.delay()`` and ``send_task`` from views
        # and services use the configured broker rather than Celery's default app.
        import webapp.celery_app  # noqa: F401

from django.apps import AppConfig


class EvaluationAppConfig(AppConfig):
    name = "webapp.evaluation"
    label = "evaluation"
    verbose_name = "Evaluations"

    def ready(self) -> None:
        from webapp.core.events import register_event_handler
        from webapp.evaluation.services import EVAL_JOB_PREFIX, apply_eval_event

        register_event_handler(EVAL_JOB_PREFIX, apply_eval_event)

from django.apps import AppConfig


class EvaluationAppConfig(AppConfig):
    name = "webapp.evaluation"
    label = "evaluation"
    verbose_name = "Evaluations"

    def ready(self) -> None:
        from webapp.core.dashboard import register_summary
        from webapp.core.events import register_event_handler
        from webapp.core.jobs import register_reap_hook
        from webapp.core.queue import register_gpu_jobs
        from webapp.evaluation.dashboard import summary
        from webapp.evaluation.liveness import evals_check
        from webapp.evaluation.run_panel import PASS_AT_1, RUN_PANEL
        from webapp.evaluation.selectors import EVALS_ON_GPU
        from webapp.evaluation.services import (
            EVAL_JOB_PREFIX,
            apply_eval_event,
            judging_resend,
            on_checkpoint_saved,
        )
        from webapp.training.panels import register_overlay_metric, register_run_panel
        from webapp.training.progress import checkpoint_saved

        register_event_handler(EVAL_JOB_PREFIX, apply_eval_event)
        # Evaluation during training: a run's checkpoint, saved, is evaluated on its cadence.
        checkpoint_saved.connect(on_checkpoint_saved, dispatch_uid="evaluation-schedule-on-checkpoint-saved")
        # A run queued for judging whose message was lost is sent again (running ones are
        # the shared reaper's: the judging job beats their heartbeat).
        register_reap_hook(judging_resend)
        # The GPU worker's Redis heartbeat says whether a generating evaluation is alive.
        register_reap_hook(evals_check)
        # A run's page shows the evaluations its cadence scheduled (chart and table).
        register_run_panel(self.label, RUN_PANEL)
        register_overlay_metric(PASS_AT_1)  # and the overlay page, pass@1 over steps per run
        register_summary("evaluations", summary)  # its stage on the dashboard
        register_gpu_jobs(EVALS_ON_GPU)  # generation jobs on the queue page

from django.apps import AppConfig


class TrainingAppConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training runs"

    def ready(self) -> None:
        from webapp.core.dashboard import register_summary
        from webapp.core.events import register_event_handler
        from webapp.core.jobs import register_reap_hook
        from webapp.core.queue import register_gpu_jobs
        from webapp.training.dashboard import summary
        from webapp.training.liveness import runs_check
        from webapp.training.progress import event_apply
        from webapp.training.selectors import RUNS_ON_GPU

        # Events of ``run-<pk>`` jobs reach the one events task (webapp.core.events).
        register_event_handler("run-", event_apply)
        # The GPU worker's Redis heartbeat says whether a run is alive.
        register_reap_hook(runs_check)
        register_summary("runs", summary)  # its stage on the dashboard
        register_gpu_jobs(RUNS_ON_GPU)  # the queue page and positions

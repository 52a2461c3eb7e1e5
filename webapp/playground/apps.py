from django.apps import AppConfig


class PlaygroundAppConfig(AppConfig):
    name = "webapp.playground"
    label = "playground"
    verbose_name = "Playground"

    def ready(self) -> None:
        from webapp.core.events import register_event_handler
        from webapp.core.jobs import register_reap_hook
        from webapp.core.queue import register_gpu_jobs
        from webapp.playground.liveness import playground_check
        from webapp.playground.models import JOB_PREFIX
        from webapp.playground.selectors import REQUESTS_ON_GPU
        from webapp.playground.services import apply_playground_event, judging_resend

        register_event_handler(JOB_PREFIX, apply_playground_event)
        # The GPU worker's Redis heartbeat says whether a generating request is alive.
        register_reap_hook(playground_check)
        # A request queued for judging whose message was lost is sent again (as evaluations).
        register_reap_hook(judging_resend)
        register_gpu_jobs(REQUESTS_ON_GPU)  # generate jobs on the queue page and their places

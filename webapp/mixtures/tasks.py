"""Celery tasks of the datasets app (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.core.jobs import JobContext, JobError, job_run
from webapp.core.models import BackgroundJob
from webapp.core.tasking import job_task
from webapp.mixtures.models import MixtureVersion
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.services import snapshot_freeze
from webapp.mixtures.tokenizing import TokenizerError


@job_task(name="atomlab.cpu.mixtures_freeze")
def freeze_snapshot_task(job_id: int) -> dict[str, Any] | None:
    """Freeze the mixture version the job names, reporting progress per source. A second
    delivery finds the job claimed and does nothing; freezing is idempotent anyway."""
    job = BackgroundJob.objects.get(pk=job_id)
    version = MixtureVersion.objects.select_related("mixture").get(pk=job.params["version_id"])

    def work(ctx: JobContext) -> dict[str, Any]:
        try:
            snapshot = snapshot_freeze(
                version=version,
                by=job.created_by,
                on_progress=lambda done, total, message: ctx.progress(done, total, message=message),
            )
        except (RecipeError, TokenizerError) as exc:
            raise JobError(str(exc)) from exc  # the recipe's fault: retrying cannot help
        return {
            "snapshot_id": snapshot.pk,
            "sha256": snapshot.sha256,
            "path": snapshot.path,
            "rows": snapshot.rows,
        }

    return job_run(BackgroundJob, job_id, work, total=len(version.items) + 1)

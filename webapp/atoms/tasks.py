"""Celery tasks of the atoms app (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.atoms.models import Atom
from webapp.atoms.services import atoms_validate
from webapp.core.jobs import JobContext, job_run
from webapp.core.models import BackgroundJob
from webapp.core.tasking import job_task


@job_task(name="atomlab.cpu.atoms_validate")
def validate_atoms_task(job_id: int) -> dict[str, Any] | None:
    """Validate the atoms the job names, reporting progress on the job row. A second
    delivery of the same job finds it claimed and does nothing (job_task)."""
    job = BackgroundJob.objects.get(pk=job_id)
    slugs = job.params.get("slugs")
    atoms = Atom.objects.all() if slugs is None else Atom.objects.filter(slug__in=slugs)
    atoms = atoms.order_by("topic", "slug")

    def work(ctx: JobContext) -> dict[str, Any]:
        counts = atoms_validate(
            atoms=atoms,
            on_progress=lambda done, total: ctx.progress(
                done, total, message=f"{done} of {total} atoms judged"
            ),
        )
        return dict(counts)

    return job_run(BackgroundJob, job_id, work, total=atoms.count())

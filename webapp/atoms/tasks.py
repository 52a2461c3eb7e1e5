"""Celery tasks of the atoms app (queue ``cpu``)."""

from __future__ import annotations

from webapp.atoms.models import Atom
from webapp.atoms.services import atoms_validate
from webapp.core.jobs import job_claim, job_finish, job_progress
from webapp.core.models import BackgroundJob
from webapp.core.tasking import django_task


@django_task(name="atomlab.cpu.atoms_validate")
def validate_atoms_task(job_id: int) -> dict[str, int] | None:
    """Validate the atoms the job names, reporting progress on the job row. A second
    delivery of the same job finds it claimed and does nothing."""
    job = BackgroundJob.objects.get(pk=job_id)
    slugs = job.params.get("slugs")
    atoms = Atom.objects.all() if slugs is None else Atom.objects.filter(slug__in=slugs)
    atoms = atoms.order_by("topic", "slug")
    if not job_claim(job_id=job_id, total=atoms.count()):
        return None
    try:
        counts = atoms_validate(
            atoms=atoms,
            on_progress=lambda done, total: job_progress(
                job_id=job_id, done=done, total=total, message=f"{done} of {total} atoms judged"
            ),
        )
    except Exception as exc:
        job_finish(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    job_finish(job_id=job_id, result=counts)
    return counts

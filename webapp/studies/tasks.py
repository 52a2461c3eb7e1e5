"""Celery tasks of the studies app (queue ``cpu``)."""

from __future__ import annotations

from webapp.core.tasking import django_task
from webapp.studies.models import Study, StudyStatus
from webapp.studies.services import study_advance


@django_task(name="atomlab.cpu.studies_advance")
def study_advance_task(study_id: int) -> str:
    """Advance one study (:func:`webapp.studies.services.study_advance`)."""
    return study_advance(study_id)


@django_task(name="atomlab.cpu.studies_advance_all")
def studies_advance_all_task() -> dict[int, str]:
    """Sent by Celery beat: advance every study that is still going, so an arm starts soon
    after its inputs exist, whoever finished them."""
    active = Study.objects.filter(
        status__in=[StudyStatus.PREPARING, StudyStatus.RUNNING, StudyStatus.STALLED]
    )
    return {pk: study_advance(pk) for pk in active.values_list("pk", flat=True)}

"""How the Django side declares a Celery task (STYLE rule 5: stable names, enqueued on commit).

With Django settings loaded, Celery makes every task a ``DjangoTask``, whose
``delay_on_commit`` sends the message only once the surrounding transaction commits (a
worker must never look for a row that is not there yet). ``shared_task`` is typed as a plain
``Task``, so this decorator says what the task really is, once, instead of a cast or an
ignore at every call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from celery import shared_task
from celery.contrib.django.task import DjangoTask

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def django_task(*, name: str) -> Callable[[Callable[P, R]], DjangoTask[P, R]]:
    """``@shared_task(name=name)``, typed as the ``DjangoTask`` it is at run time."""
    decorate: Any = shared_task(name=name)
    return cast(Callable[[Callable[P, R]], DjangoTask[P, R]], decorate)


#: How many times a delivery that found its job alive under another worker tries again
#: (every STALE_AFTER_SECONDS + HEARTBEAT_SECONDS) before it is dropped: enough for the
#: heartbeat of a killed pool child's job to go stale and be re-claimed.
JOB_BUSY_RETRIES = 3


def job_task(*, name: str) -> Callable[[Callable[[int], R]], DjangoTask[[int], R | None]]:
    """A task that runs one job row through :func:`webapp.core.jobs.job_run`; its only
    argument is the row's primary key. When ``job_run`` says the row is busy (alive under
    another worker), the delivery is retried a few times with a countdown and then dropped,
    so that a re-delivered copy never runs a job twice yet a job whose worker died is taken
    back. Results are not stored: the row is the result."""
    from webapp.core.jobs import JobBusy

    def decorate(fn: Callable[[int], R]) -> DjangoTask[[int], R | None]:
        def run(self: Any, job_id: int) -> R | None:
            try:
                return fn(job_id)
            except JobBusy as busy:
                if self.request.retries >= JOB_BUSY_RETRIES:
                    log.info("%s(%s): still busy after %d retries, dropped", name, job_id, JOB_BUSY_RETRIES)
                    return None
                log.info("%s(%s): %s; retrying in %s s", name, job_id, busy, busy.retry_in)
                raise self.retry(countdown=busy.retry_in, max_retries=JOB_BUSY_RETRIES) from None

        run.__name__ = fn.__name__
        run.__qualname__ = fn.__qualname__
        run.__module__ = fn.__module__
        run.__doc__ = fn.__doc__
        decorated: Any = shared_task(name=name, bind=True, ignore_result=True)(run)
        return cast(DjangoTask[[int], R | None], decorated)

    return decorate

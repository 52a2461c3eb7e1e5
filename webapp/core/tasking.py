"""How the Django side declares a Celery task (STYLE rule 5: stable names, enqueued on commit).

With Django settings loaded, Celery makes every task a ``DjangoTask``, whose
``delay_on_commit`` sends the message only once the surrounding transaction commits (a
worker must never look for a row that is not there yet). ``shared_task`` is typed as a plain
``Task``, so this decorator says what the task really is, once, instead of a cast or an
ignore at every call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from celery import shared_task
from celery.contrib.django.task import DjangoTask

P = ParamSpec("P")
R = TypeVar("R")


def django_task(*, name: str) -> Callable[[Callable[P, R]], DjangoTask[P, R]]:
    """``@shared_task(name=name)``, typed as the ``DjangoTask`` it is at run time."""
    decorate: Any = shared_task(name=name)
    return cast(Callable[[Callable[P, R]], DjangoTask[P, R]], decorate)

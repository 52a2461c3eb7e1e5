"""Who may do what: the one place that maps each action to the role it needs.

Views, selectors, services and templates all ask the same question the same way:
``can(user, Action.ATOM_CHANGE)`` (a bool, for showing or hiding a control: in templates
``{% if user|can:"atom.change" %}``) or ``require(user, Action.ATOM_CHANGE)`` (the user, or
:class:`Refused` with the reason the refusal page shows). Per-object rules (a researcher
cancels only their own job) live in the owning app's selectors and build on these.

Pages are for logged-in users only (``LoginRequiredMiddleware``), so a view's request
carries a real :class:`~webapp.accounts.models.User`; :class:`AuthedHttpRequest` says so
to the type checker.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from webapp.accounts.models import Role, User


class AuthedHttpRequest(HttpRequest):
    """A request past the login middleware: ``user`` is a real user, ``htmx`` is set by
    django-htmx's middleware. Views annotate their request with this type."""

    user: User
    htmx: HtmxDetails


class Action(StrEnum):
    """Everything that needs more than reading. Reading is every logged-in user's."""

    ATOM_CHANGE = "atom.change"  # write, edit, annotate, review, validate, import atoms
    COMPOSITE_SYNTHESIZE = "composite.synthesize"  # start a synthesis run
    MIXTURE_CHANGE = "mixture.change"  # create, edit and freeze mixtures
    BENCHMARK_CHANGE = "benchmark.change"  # import and delete benchmarks
    RUN_LAUNCH = "run.launch"  # launch, clone and resume training runs
    EVAL_RUN = "eval.run"  # launch and re-score evaluations
    EVAL_REVIEW = "eval.review"  # label failed generations
    JOB_CANCEL_OWN = "job.cancel_own"  # cancel a job one started
    JOB_CANCEL_ANY = "job.cancel_any"  # cancel anybody's job
    QUEUES_ROUNDTRIP = "queues.roundtrip"  # send pings through every queue
    USERS_MANAGE = "users.manage"  # add users, change roles, deactivate


#: The rule itself: the least role each action needs (each role includes those below it).
NEEDS: dict[Action, Role] = {
    Action.ATOM_CHANGE: Role.RESEARCHER,
    Action.COMPOSITE_SYNTHESIZE: Role.RESEARCHER,
    Action.MIXTURE_CHANGE: Role.RESEARCHER,
    Action.BENCHMARK_CHANGE: Role.RESEARCHER,
    Action.RUN_LAUNCH: Role.RESEARCHER,
    Action.EVAL_RUN: Role.RESEARCHER,
    Action.EVAL_REVIEW: Role.RESEARCHER,
    Action.JOB_CANCEL_OWN: Role.RESEARCHER,
    Action.JOB_CANCEL_ANY: Role.ADMIN,
    Action.QUEUES_ROUNDTRIP: Role.RESEARCHER,
    Action.USERS_MANAGE: Role.ADMIN,
}


class Refused(PermissionDenied):
    """A refusal whose message is the reason shown to the user (``This needs the
    researcher role.``); the 403 page renders it."""


def can(user: Any, action: Action | str) -> bool:
    """Whether ``user`` may do ``action`` (an unknown action name is a programming error)."""
    return isinstance(user, User) and user.has_role(NEEDS[Action(action)])


def refusal_reason(action: Action | str) -> str:
    """What a refusal of ``action`` says."""
    return f"This needs the {NEEDS[Action(action)].label.lower()} role."


def require(user: Any, action: Action | str) -> User:
    """``user`` if it may do ``action``; :class:`Refused` with the reason otherwise."""
    if not can(user, action):
        raise Refused(refusal_reason(action))
    return cast(User, user)


def require_role(user: Any, role: Role) -> User:
    """``user`` if it holds ``role`` or above (for rules not tied to one action, such as
    "any logged-in user may read"); :class:`Refused` otherwise."""
    if not isinstance(user, User) or not user.has_role(role):
        raise Refused(f"This needs the {role.label.lower()} role.")
    return user


def require_reader(user: Any) -> User:
    """Every active, logged-in user reads everything; selectors that take ``fetched_by``
    call this, so a read outside a page (a command, a task) names who it is for."""
    return require_role(user, Role.VIEWER)


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def allowed(action: Action) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator for a view that is one action as a whole (a form that only
    researchers may open): the refusal page unless the user may do ``action``."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorate

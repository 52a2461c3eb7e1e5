"""Who may do what: the one place that maps each action to the role it needs.

Views, selectors, services and templates all ask the same question the same way:
``can(user, Action.ATOM_CHANGE)`` (a bool, for showing or hiding a control: in templates
``{% if user|can:"atom.change" %}``) or ``require(user, Action.ATOM_CHANGE)`` (the user, or
:class:`Refused` with the reason the refusal page shows). The one per-object rule, "admins
act on anything, owners on their own", is :func:`can_act_on` / :func:`require_owner_or_admin`;
every app's cancel, resume and re-score asks it. Which POST address needs which of these is
written down once, in :mod:`webapp.core.access_table`.

Pages are for logged-in users only (``LoginRequiredMiddleware``), so a view's request
carries a real :class:`~webapp.accounts.models.User`; :class:`AuthedHttpRequest` says so
to the type checker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from webapp.accounts.models import Role, User

#: A refused request is one line here (who, what, on what, why): no traceback.
log = logging.getLogger("atomlab.access")


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
    PLAYGROUND_PROMPT = "playground.prompt"  # send a prompt to a model or checkpoint
    JOB_CANCEL_OWN = "job.cancel_own"  # cancel, resume or re-score a job one started
    ACT_ON_ANY = "owned.any"  # cancel, resume or re-score anybody's job, run, evaluation or study
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
    Action.PLAYGROUND_PROMPT: Role.RESEARCHER,
    Action.JOB_CANCEL_OWN: Role.RESEARCHER,
    Action.ACT_ON_ANY: Role.ADMIN,
    Action.QUEUES_ROUNDTRIP: Role.RESEARCHER,
    Action.USERS_MANAGE: Role.ADMIN,
}


class Refused(PermissionDenied):
    """A refusal whose message is the reason shown to the user (``This needs the
    researcher role.``); the 403 page renders it and logs one line naming ``action`` and
    ``obj`` (what was refused, on what)."""

    def __init__(self, reason: str, *, action: str = "", obj: object = None) -> None:
        super().__init__(reason)
        self.action = action
        self.obj = obj


def describe(obj: object) -> str:
    """``study 3`` for a model row (what a refusal's log line names), ``str(obj)`` otherwise."""
    meta = getattr(obj, "_meta", None)
    if meta is not None:
        return f"{meta.verbose_name} {getattr(obj, 'pk', '?')}"
    return "-" if obj is None else str(obj)


def log_refusal(request: HttpRequest, exception: PermissionDenied | None) -> None:
    """Log one line for a refused request: the user, the action and the object (the
    request's path when the refusal names no object), and the reason."""
    user = getattr(request, "user", None)
    who = getattr(user, "username", "") or "anonymous"
    action = getattr(exception, "action", "") or "-"
    obj = getattr(exception, "obj", None)
    what = describe(obj) if obj is not None else f"{request.method} {request.path}"
    log.warning("refused: user=%s action=%s object=%s reason=%s", who, action, what, exception or "-")


def can(user: Any, action: Action | str) -> bool:
    """Whether ``user`` may do ``action`` (an unknown action name is a programming error)."""
    return isinstance(user, User) and user.has_role(NEEDS[Action(action)])


def refusal_reason(action: Action | str) -> str:
    """What a refusal of ``action`` says."""
    return f"This needs the {NEEDS[Action(action)].label.lower()} role."


def require(user: Any, action: Action | str) -> User:
    """``user`` if it may do ``action``; :class:`Refused` with the reason otherwise."""
    if not can(user, action):
        raise Refused(refusal_reason(action), action=str(action))
    return cast(User, user)


def can_act_on(user: Any, owner_id: int | None, action: Action | str = Action.JOB_CANCEL_OWN) -> bool:
    """The ownership rule, its one copy: an admin acts on anything; anyone else only on what
    they own (``owner_id`` is the object's ``created_by_id``), and only when their role
    allows ``action``. An object nobody owns (made by a command) is the admins'."""
    if can(user, Action.ACT_ON_ANY):
        return True
    return can(user, action) and owner_id is not None and owner_id == user.pk


def require_owner_or_admin(
    user: Any, *, obj: Any, doing: str, action: Action | str = Action.JOB_CANCEL_OWN
) -> User:
    """``user`` if :func:`can_act_on` ``obj`` (its ``created_by_id``); otherwise
    :class:`Refused` with "Only its owner or an admin can ``doing``." (``doing``: "cancel
    this study"). Services call it before they change anything."""
    if not can_act_on(user, getattr(obj, "created_by_id", None), action):
        raise Refused(f"Only its owner or an admin can {doing}.", action=doing, obj=obj)
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

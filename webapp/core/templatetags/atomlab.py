"""Template helpers every page may use without ``{% load %}`` (registered as builtins in
settings): ``user|can:"atom.change"`` and ``user|can_act_on:study`` decide whether a
control is shown."""

from __future__ import annotations

from typing import Any

from django import template

from webapp.core.access import can as _can
from webapp.core.access import can_act_on as _can_act_on

register = template.Library()


@register.filter
def can(user: Any, action: str) -> bool:
    """``{% if user|can:"mixture.change" %}``: whether ``user`` may do the action (an
    unknown action name raises, so a typo cannot silently hide a control)."""
    return _can(user, action)


@register.filter
def can_act_on(user: Any, obj: Any) -> bool:
    """``{% if user|can_act_on:study %}``: whether ``user`` owns ``obj`` (a researcher) or
    is an admin, the rule its cancel and resume buttons post to."""
    return _can_act_on(user, getattr(obj, "created_by_id", None))

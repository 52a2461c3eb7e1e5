"""Template helpers every page may use without ``{% load %}`` (registered as builtins in
settings): ``user|can:"atom.change"`` decides whether a control is shown."""

from __future__ import annotations

from typing import Any

from django import template

from webapp.core.access import can as _can

register = template.Library()


@register.filter
def can(user: Any, action: str) -> bool:
    """``{% if user|can:"mixture.change" %}``: whether ``user`` may do the action (an
    unknown action name raises, so a typo cannot silently hide a control)."""
    return _can(user, action)

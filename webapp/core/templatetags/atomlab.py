"""Template helpers every page may use without ``{% load %}`` (registered as builtins in
settings): ``user|can:"atom.change"`` and ``user|can_act_on:study`` decide whether a
control is shown, ``{% category name %}`` draws a verdict category and ``{{ v|num }}`` writes
a config value or metric (scientific notation when small)."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from webapp.core.access import can as _can
from webapp.core.access import can_act_on as _can_act_on
from webapp.core.categories import category_colour, category_label
from webapp.core.jobtime import ran_for as _ran_for

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


@register.filter
def ran_for(job: Any) -> str:
    """``{{ run|ran_for }}``: "3 min 30 s over 2 attempts", every attempt counted
    (``webapp.core.jobtime``)."""
    return _ran_for(job)


@register.simple_tag
def category(name: str) -> SafeString:
    """``{% category g.category %}``: the verdict category's swatch and label, the same on
    every page (``webapp.core.categories``). The swatch is an SVG fill: the site's
    Content-Security-Policy allows no inline style."""
    if not name:
        return mark_safe('<span class="category muted">–</span>')
    return format_html(
        '<span class="category" data-category="{}"><svg class="swatch" width="10" height="10" '
        'aria-hidden="true"><rect width="10" height="10" rx="2" fill="{}"/></svg> {}</span>',
        name,
        category_colour(name),
        category_label(name),
    )


#: Below this (and above zero) a fixed-point figure would read as zero: learning rates, KL.
_SCIENTIFIC_BELOW = 1e-3
_SCIENTIFIC_FROM = 1e6


@register.filter
def num(value: Any, digits: int = 4) -> Any:
    """``{{ v|num }}``: a config value or metric as a researcher reads it: a float with
    ``digits`` significant digits, in scientific notation when it is that small or large
    (``1e-6``, not ``0.00000``); anything else (ints, text, ``None``) unchanged."""
    if not isinstance(value, float) or isinstance(value, bool):
        return value
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if _SCIENTIFIC_BELOW <= abs(value) < _SCIENTIFIC_FROM:
        return f"{value:.{digits}g}"
    mantissa, _, exponent = f"{value:.{max(digits - 1, 0)}e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}"

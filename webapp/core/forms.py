"""What every form of the app shares: one field template and per-field warnings.

Pages render a field with ``{{ form.name.as_field_group }}``: the label, the widget, the
help text and the field's messages come from ``templates/core/field.html``, the one place
that markup is written. Besides errors (which stop a save), a form may carry *warnings*
(``form.warnings = {"field": ["message"]}``: saved anyway, but worth fixing); they are shown
next to their field by the same template.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


class FieldWithWarnings(BoundField):
    """A bound field that also knows the warnings its form holds for it."""

    @property
    def warnings(self) -> list[str]:
        return list(getattr(self.form, "warnings", {}).get(self.name, []))


class Form(forms.Form):
    """The base of the app's forms: labels without a trailing colon, fields with warnings."""

    bound_field_class = FieldWithWarnings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # Django's default, ":", reads as clutter here
        super().__init__(*args, **kwargs)


class FormRenderer(TemplatesSetting):
    """Django's renderer, with our field template for ``as_field_group``."""

    field_template_name = "core/field.html"

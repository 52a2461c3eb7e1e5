"""The study launch form."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.core.forms import Form
from webapp.studies.design import SCALES, template_names


class StudyNewForm(Form):
    template = forms.ChoiceField(
        help_text="The paper's experiments as template files; edit a copy below to change one.",
    )
    scale = forms.ChoiceField(
        choices=[(s, s) for s in SCALES],
        initial="tiny",
        help_text=(
            'Expected cost of sft_vs_rl, from README\'s "The CPU demo": tiny, a smoke test of every '
            "arm and stage, 3 min 12 s measured on 2 CPU cores (a shared machine can take "
            "several times that); demo, 27 min "
            "measured on 2 quiet cores with one GPU-queue worker; full, GPU workers only (not run "
            "here). The other templates are not measured."
        ),
    )
    seeds = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=20,
        help_text="Seeds per arm, pooled in the table with their spread (empty: the template's).",
    )
    name = forms.CharField(required=False, max_length=200, help_text="Empty: the template's title.")
    text = forms.CharField(
        required=False,
        strip=False,  # as typed: the check's line numbers are the editor's
        widget=forms.Textarea(
            attrs={"rows": 20, "spellcheck": "false", "class": "code", "wrap": "off", "data-line-numbers": ""}
        ),
        label="Edited template (optional)",
        help_text=(
            "Load the chosen template above, or paste an edited copy, to run it instead of the shipped "
            "file; it is checked as you type (errors below, with their line). Empty: the shipped template."
        ),
    )
    contamination_override = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Contamination override",
        help_text="Only if an arm's training data shares problems with an eval suite on purpose: say why.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(n, n) for n in template_names()]

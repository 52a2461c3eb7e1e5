"""The form that starts a synthesis run; it builds the pipeline's config."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.core.forms import Form
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.pipeline.params import parse_pools


class SynthesizeForm(Form):
    """Pools, depth range, seed and the pair-disjointness option."""

    pools = forms.CharField(
        initial="A=1000,B=300,C=300",
        help_text="NAME=COUNT, comma separated; a finished run replaces the stored pools of these names",
    )
    depth_min = forms.IntegerField(initial=2, min_value=1, max_value=6, label="Depth from")
    depth_max = forms.IntegerField(initial=3, min_value=1, max_value=6, label="Depth to")
    seed = forms.IntegerField(initial=0, help_text="the same seed and atoms give the same composites")
    cases = forms.IntegerField(initial=8, min_value=6, max_value=30, label="Cases per composite")
    disjoint_pairs = forms.BooleanField(
        required=False, label="Also keep ordered pairs of adjacent atoms apart between pools"
    )

    def clean_pools(self) -> dict[str, int]:
        try:
            return parse_pools(self.cleaned_data["pools"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        """The depth range is checked whatever else failed (every mistake in one submit),
        in the form's own words; the pipeline's config checks the rest."""
        data = super().clean() or {}
        low, high = data.get("depth_min"), data.get("depth_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "depth_max",
                f"“Depth to” ({high}) is below “Depth from” ({low}): a composite chains from "
                "“Depth from” up to “Depth to” atoms, so make “to” at least “from” (equal for one "
                "depth).",
            )
        if self.errors:
            return data
        try:
            data["config"] = SynthesisConfig(
                pools=data["pools"],
                depth=(data["depth_min"], data["depth_max"]),
                seed=data["seed"],
                cases=data["cases"],
                disjoint_pairs=data["disjoint_pairs"],
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

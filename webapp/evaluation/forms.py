"""The form that launches an evaluation: model, suites and the sampling protocol."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.core.forms import Form
from webapp.evaluation.protocol import Protocol, ProtocolError
from webapp.evaluation.services import resolve_model
from webapp.mixtures.models import Snapshot


class SnapshotChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Snapshots named by hash, recipe and size."""

    def label_from_instance(self, obj: Any) -> str:
        recipe = obj.recipe
        return f"{obj.short} · {recipe.get('name', '?')} v{recipe.get('version', '?')} · {obj.rows} problems"


class LaunchForm(Form):
    """Errors land at the field they are about (the protocol's checks name their field)."""

    model = forms.CharField(
        initial="default",
        help_text="default (the built-in model), a local model folder on the GPU host, or run:ID "
        "(that training run's latest checkpoint)",
    )
    snapshots = SnapshotChoiceField(
        queryset=Snapshot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Eval suites",
        help_text="each snapshot is one suite in the tables",
    )
    n = forms.IntegerField(initial=10, min_value=1, max_value=1000, label="Samples per problem (n)")
    ks = forms.CharField(initial="1,5,10", label="k", help_text="comma separated, each at most n")
    temperature = forms.FloatField(initial=0.8, help_text="0 is greedy decoding (with n = 1)")
    top_p = forms.FloatField(initial=0.95, label="top-p")
    max_new_tokens = forms.IntegerField(initial=512, label="Max new tokens")
    seed = forms.IntegerField(initial=0, min_value=0)
    chat_template = forms.BooleanField(initial=True, required=False, label="Ask through the chat template")
    stop = forms.CharField(required=False, help_text="stop strings, one per line")
    name = forms.CharField(required=False, max_length=200, help_text="optional, shown beside the model")

    def __init__(self, *args: Any, snapshots: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["snapshots"]
        assert isinstance(field, SnapshotChoiceField)
        field.queryset = snapshots if snapshots is not None else Snapshot.objects.order_by("-created_at")

    def clean_ks(self) -> tuple[int, ...]:
        try:
            ks = tuple(int(k) for k in self.cleaned_data["ks"].split(",") if k.strip())
        except ValueError:
            raise forms.ValidationError("write numbers separated by commas, e.g. 1,5,10") from None
        if not ks:
            raise forms.ValidationError("give at least one k")
        return ks

    def clean_model(self) -> str:
        model = str(self.cleaned_data["model"]).strip()
        try:
            resolve_model(model)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return model

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(f in self.errors for f in ("n", "ks", "temperature", "top_p", "max_new_tokens", "seed")):
            return data
        try:
            data["protocol"] = Protocol(
                n=data["n"],
                ks=data["ks"],
                temperature=data["temperature"],
                top_p=data["top_p"],
                max_new_tokens=data["max_new_tokens"],
                seed=data["seed"],
                chat_template=bool(data.get("chat_template")),
                stop=tuple(line for line in (data.get("stop") or "").splitlines() if line.strip()),
            )
        except ProtocolError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


class ReviewForm(Form):
    """A label on a generation, and a note."""

    label = forms.ChoiceField(required=False, choices=[("", "no label")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from webapp.evaluation.models import ReviewLabel

        super().__init__(*args, **kwargs)
        field = self.fields["label"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "no label"), *ReviewLabel.choices]

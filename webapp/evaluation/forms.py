"""The form that launches an evaluation: model, suites and the sampling protocol."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.core.forms import Form
from webapp.core.protocol import SAMPLING_TEMPERATURE, Protocol, ProtocolError
from webapp.evaluation.services import EvalRefused, evalrun_check, resolve_model
from webapp.mixtures.models import Snapshot


class SnapshotChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Snapshots named by hash, recipe and size."""

    def label_from_instance(self, obj: Any) -> str:
        recipe = obj.recipe
        rows = f"{obj.eval_rows} eval rows" + (f" of {obj.rows}" if obj.eval_rows != obj.rows else "")
        return f"{obj.short} · {recipe.get('name', '?')} v{recipe.get('version', '?')} · {rows}"


#: The form starts at the protocol's own defaults (written once, in ``Protocol``).
DEFAULT = Protocol()


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
    n = forms.IntegerField(initial=DEFAULT.n, min_value=1, max_value=1000, label="Samples per problem (n)")
    ks = forms.CharField(
        initial=",".join(map(str, DEFAULT.ks)), label="k", help_text="comma separated, each at most n"
    )
    temperature = forms.FloatField(
        initial=DEFAULT.temperature,
        required=False,
        help_text=f"0 is greedy decoding (with n = 1); blank: {SAMPLING_TEMPERATURE:g}, or 0 when n = 1",
    )
    top_p = forms.FloatField(initial=DEFAULT.top_p, label="top-p")
    max_new_tokens = forms.IntegerField(initial=DEFAULT.max_new_tokens, label="Max new tokens")
    seed = forms.IntegerField(initial=DEFAULT.seed, min_value=0)
    chat_template = forms.BooleanField(
        initial=DEFAULT.chat_template, required=False, label="Ask through the chat template"
    )
    stop = forms.CharField(required=False, help_text="stop strings, one per line")
    name = forms.CharField(required=False, max_length=200, help_text="optional, shown beside the model")
    contamination_reason = forms.CharField(
        required=False,
        label="Evaluate despite contamination, because",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="only when the model (run:ID) trained on problems of a suite: recorded on the "
        "evaluation, and its scores are marked contaminated",
    )

    def __init__(self, *args: Any, snapshots: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["snapshots"]
        assert isinstance(field, SnapshotChoiceField)
        field.queryset = snapshots if snapshots is not None else Snapshot.objects.order_by("-created_at")
        # A suite is judged on its eval rows: a snapshot without any is not offered (one posted
        # anyway is refused by the evaluation's check, which says why).
        every = list(field.queryset)
        with_eval = [s for s in every if s.eval_rows]
        field.widget.choices = [(s.pk, field.label_from_instance(s)) for s in with_eval]
        #: How many snapshots are offered (none: the page shows its empty state).
        self.suites_offered = len(with_eval)
        left_out = len(every) - len(with_eval)
        if left_out:
            field.help_text += (
                f"; only snapshots with eval rows are listed ({left_out} with train rows only "
                "left out: set a source's role to eval in its mixture to judge on it)"
            )

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
        self._clean_protocol(data)
        if not {"model", "snapshots"} & set(self.errors) and data.get("snapshots"):
            try:
                evalrun_check(
                    model=data["model"],
                    snapshots=list(data["snapshots"]),
                    contamination_reason=data.get("contamination_reason") or "",
                )
            except EvalRefused as exc:
                for field, message in exc.errors.items():
                    self.add_error(field if field in self.fields else None, message)
        return data

    def _clean_protocol(self, data: dict[str, Any]) -> dict[str, Any]:
        if any(f in self.errors for f in ("n", "ks", "temperature", "top_p", "max_new_tokens", "seed")):
            return data
        try:
            data["protocol"] = Protocol.resolve(
                {
                    "n": data["n"],
                    "ks": data["ks"],
                    "temperature": data.get("temperature"),
                    "top_p": data["top_p"],
                    "max_new_tokens": data["max_new_tokens"],
                    "seed": data["seed"],
                    "chat_template": bool(data.get("chat_template")),
                    "stop": [line for line in (data.get("stop") or "").splitlines() if line.strip()],
                }
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

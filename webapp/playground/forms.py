"""The playground's form: a prompt (free text or a snapshot's problem), the model or a
checkpoint, and the sampling settings. Type errors are Django's, at their field; what the
service refuses (``PlaygroundRefused``) is put at the field it names by the view."""

from __future__ import annotations

from typing import Any

from django import forms

from webapp.core.forms import Form
from webapp.mixtures.models import Snapshot
from webapp.playground.services import MAX_SAMPLES, Ask


class SnapshotField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Snapshots named by hash, recipe and rows."""

    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.short} · {obj.recipe.get('name', '?')} v{obj.recipe.get('version', '?')} · {obj.rows} rows"
        )


class PromptForm(Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        help_text="sent as the user message through the model's chat template, as in training",
    )
    model = forms.CharField(
        initial="default",
        required=False,
        help_text="default (the built-in model), a model folder on the GPU host, or run:ID "
        "(that run's latest checkpoint); ignored when a checkpoint is given",
    )
    checkpoint = forms.IntegerField(
        required=False,
        label="Checkpoint id",
        help_text="from a run page's “Try it” link; blank: the model above",
    )
    snapshot = SnapshotField(
        queryset=Snapshot.objects.none(),
        required=False,
        label="Problem from snapshot",
        help_text="optional: its cases judge every sample in the sandbox",
    )
    task_id = forms.CharField(
        required=False,
        max_length=300,
        label="Task id",
        help_text="a task of that snapshot; “Fill the prompt” copies its prompt above",
    )
    n = forms.IntegerField(initial=1, label="Samples (n)", help_text=f"1 to {MAX_SAMPLES}")
    temperature = forms.FloatField(initial=0.0, help_text="0 is greedy: every sample is the same answer")
    max_new_tokens = forms.IntegerField(initial=256, max_value=4096, label="Max new tokens")
    seed = forms.IntegerField(initial=0, min_value=0, help_text="the same seed gives the same samples")

    def __init__(self, *args: Any, snapshots: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["snapshot"]
        assert isinstance(field, SnapshotField)
        field.queryset = snapshots if snapshots is not None else Snapshot.objects.order_by("-created_at")
        self.fields["task_id"].widget.attrs["list"] = "task-ids"

    def ask(self) -> Ask:
        """The form as the service's :class:`Ask`; a field that did not parse keeps the
        default, so the service's checks of the other fields still run (every error at once)."""
        d = self.cleaned_data
        return Ask(
            prompt=d.get("prompt") or "",
            model=(d.get("model") or "default").strip(),
            checkpoint_id=d.get("checkpoint"),
            snapshot=d.get("snapshot"),
            task_id=(d.get("task_id") or "").strip(),
            n=d["n"] if d.get("n") is not None else 1,
            temperature=d["temperature"] if d.get("temperature") is not None else 0.0,
            max_new_tokens=d["max_new_tokens"] if d.get("max_new_tokens") is not None else 256,
            seed=d.get("seed") or 0,
        )

    def refuse(self, errors: dict[str, str]) -> None:
        """Put each refusal at its field (one this form lacks goes to the top), unless the
        field already has an error of its own."""
        for name, message in errors.items():
            field = name if name in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, message)

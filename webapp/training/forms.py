"""The launch form: typed fields for what researchers change most, ``KEY=VALUE`` lines for the
rest of the method config, and every check of :func:`webapp.training.services.launch_check`,
shown next to the field it is about."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from training_worker.configs import GRPOMethodConfig, SFTMethodConfig
from webapp.core.forms import Form
from webapp.mixtures.models import Snapshot
from webapp.training.models import Method, TrainingRun
from webapp.training.services import (
    CONFIG_CLASSES,
    PRESETS,
    LaunchRefused,
    LaunchRequest,
    launch_check,
    parse_set,
)

_SFT_HELP = SFTMethodConfig.field_help()
_RL_HELP = GRPOMethodConfig.field_help()
#: Typed config fields on the form: (name, form field class, methods it applies to).
SHARED_FIELDS = (
    "learning_rate",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "num_processes",
)
RL_FIELDS = ("num_generations", "max_completion_length", "beta", "temperature", "reward_mode")
CONFIG_FIELDS = (*SHARED_FIELDS, "save_steps", "loss_type", "use_lora", *RL_FIELDS)


def _snapshot_label(s: Snapshot) -> str:
    roles = ", ".join(f"{n} {role}" for role, n in sorted((s.counts.get("role") or {}).items()))
    return f"{s.short} · {s.recipe.get('name', '?')} v{s.recipe.get('version', '?')} · {roles or 'no rows'}"


class LaunchForm(Form):
    """Method, model, data, the key hyperparameters, seed; blank config fields take the
    method's default (shown as the placeholder)."""

    name = forms.CharField(required=False, max_length=200, help_text="optional, for the run list")
    method = forms.ChoiceField(choices=Method.choices, initial=Method.SFT)
    model = forms.CharField(
        initial="default",
        max_length=500,
        help_text="default (SmolLM2-135M-Instruct), run:ID (start from that run's last checkpoint; it "
        "must have succeeded), or the path of a model folder the GPU workers can read",
    )
    train_snapshot = forms.ChoiceField(label="Train snapshot", help_text="its train rows are trained on")
    eval_snapshot = forms.ChoiceField(
        label="Eval snapshot",
        required=False,
        help_text="optional: the train rows are checked for contamination against its eval rows",
    )
    contamination_override = forms.CharField(
        label="Launch despite contamination, because",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="only when the check above refuses; the reason is recorded on the run",
    )
    seed = forms.IntegerField(initial=0, help_text="weights, data order and sampling")
    learning_rate = forms.FloatField(required=False, help_text=_SFT_HELP["learning_rate"])
    max_steps = forms.IntegerField(required=False, help_text=_SFT_HELP["max_steps"])
    per_device_train_batch_size = forms.IntegerField(
        required=False, label="Batch size", help_text=_SFT_HELP["per_device_train_batch_size"]
    )
    gradient_accumulation_steps = forms.IntegerField(
        required=False, label="Gradient accumulation", help_text=_SFT_HELP["gradient_accumulation_steps"]
    )
    num_processes = forms.IntegerField(
        required=False, label="Processes", help_text=_SFT_HELP["num_processes"]
    )
    save_steps = forms.IntegerField(
        required=False, label="Checkpoint every", help_text=_SFT_HELP["save_steps"]
    )
    loss_type = forms.CharField(
        required=False,
        label="Loss",
        help_text="SFT: nll or dft. GRPO: grpo, dr_grpo, dapo, bnpo, cispo or sapo. Blank: the default.",
    )
    use_lora = forms.BooleanField(required=False, label="Train a LoRA adapter instead of every weight")
    num_generations = forms.IntegerField(
        required=False, label="Completions per prompt", help_text=_RL_HELP["num_generations"]
    )
    max_completion_length = forms.IntegerField(
        required=False, label="Max completion tokens", help_text=_RL_HELP["max_completion_length"]
    )
    beta = forms.FloatField(required=False, label="KL penalty (beta)", help_text=_RL_HELP["beta"])
    temperature = forms.FloatField(required=False, help_text=_RL_HELP["temperature"])
    reward_mode = forms.ChoiceField(
        required=False,
        label="Reward",
        choices=[
            ("", "method default (binary)"),
            ("binary", "binary pass"),
            ("fraction", "fraction of cases"),
        ],
        help_text=_RL_HELP["reward_mode"],
    )
    eval_every = forms.IntegerField(
        required=False,
        min_value=1,
        label="Evaluate every",
        help_text="steps: the checkpoints at multiples of it, and the last one, are evaluated on the "
        "eval snapshot (the run page plots pass@1 against steps); blank: no evaluation",
    )
    eval_n = forms.IntegerField(
        required=False,
        min_value=1,
        label="Eval samples per problem",
        help_text="blank: 1, greedy (more samples are drawn at temperature 0.8)",
    )
    eval_max_new_tokens = forms.IntegerField(
        required=False, min_value=1, label="Eval max new tokens", help_text="blank: 512"
    )
    extra = forms.CharField(
        label="More config",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "warmup_ratio=0.1\nlr_scheduler_type=cosine"}),
        help_text="one KEY=VALUE per line, any field of the method's config (VALUE is JSON when it parses)",
    )
    cloned_from = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        snapshots = list(Snapshot.objects.order_by("-created_at", "-pk")[:200])
        options = [(s.sha256, _snapshot_label(s)) for s in snapshots]
        train_field = self.fields["train_snapshot"]
        eval_field = self.fields["eval_snapshot"]
        assert isinstance(train_field, forms.ChoiceField) and isinstance(eval_field, forms.ChoiceField)
        train_field.choices = [("", "choose a snapshot"), *options]
        eval_field.choices = [("", "none"), *options]
        for name in ("learning_rate", "max_steps", "per_device_train_batch_size", "save_steps"):
            self.fields[name].widget.attrs["placeholder"] = f"SFT {getattr(SFTMethodConfig(), name)}"
        self.request: LaunchRequest | None = None

    def _config(self, data: dict[str, Any]) -> dict[str, Any]:
        method = data.get("method") or Method.SFT
        fields = CONFIG_CLASSES[method].field_help()
        config: dict[str, Any] = {}
        for name in CONFIG_FIELDS:
            value = data.get(name)
            if name == "use_lora":
                if value:
                    config[name] = True
                continue
            if value is None or value == "" or name not in fields:
                continue
            config[name] = value
        config.update(parse_set([line for line in (data.get("extra") or "").splitlines() if line.strip()]))
        return config

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            config = self._config(data)
        except ValueError as exc:
            self.add_error("extra", str(exc))
            return data
        cloned = data.get("cloned_from")
        request = LaunchRequest(
            method=data["method"],
            model=data["model"],
            train_snapshot=data.get("train_snapshot") or "",
            eval_snapshot=data.get("eval_snapshot") or None,
            seed=data["seed"],
            config=config,
            name=data.get("name") or "",
            eval_every=data.get("eval_every"),
            eval_protocol={
                key: data[name]
                for name, key in (("eval_n", "n"), ("eval_max_new_tokens", "max_new_tokens"))
                if data.get(name) is not None
            },
            contamination_override=data.get("contamination_override") or "",
            cloned_from=TrainingRun.objects.filter(pk=cloned).first() if cloned else None,
        )
        try:
            launch_check(request)
        except LaunchRefused as exc:
            for name, reason in exc.errors.items():
                if name.startswith("eval_") and name not in self.fields:
                    name = "eval_every"  # a protocol field the form has no box for
                if name in self.fields and name not in ("cloned_from",):
                    self.add_error(name, reason)
                else:
                    self.add_error("extra", f"{name}: {reason}")
            return data
        self.request = request
        return data


def initial_from_preset(name: str) -> dict[str, Any]:
    """The form's initial values for a preset (unknown names give nothing)."""
    preset = PRESETS.get(name)
    if preset is None:
        return {}
    return _with_config({"method": preset.method}, preset.config)


def _with_config(initial: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """``initial`` plus ``config``: a value with its own form field goes there, any other one
    into the ``KEY=VALUE`` lines."""
    extra = []
    for key, value in config.items():
        if key in CONFIG_FIELDS:
            initial[key] = value
        else:
            extra.append(f"{key}={json.dumps(value)}")
    initial["extra"] = "\n".join(extra)
    return initial


def initial_from_run(run: TrainingRun) -> dict[str, Any]:
    """The form pre-filled from ``run`` (Clone): its choices, and every config value that
    differs from the method's default."""
    defaults = CONFIG_CLASSES[run.method]().to_dict()
    # The seed has its own field (the run's seed, which the launch also writes in the config).
    changed = {k: v for k, v in run.config.items() if defaults.get(k) != v and k != "seed"}
    initial: dict[str, Any] = {
        "name": f"{run.name or f'run {run.pk}'} (clone)",
        "method": run.method,
        "model": run.model,
        "train_snapshot": run.train_snapshot.sha256,
        "eval_snapshot": run.eval_snapshot.sha256 if run.eval_snapshot else "",
        "seed": run.seed,
        "eval_every": run.eval_every,
        "eval_n": run.eval_protocol.get("n") if run.eval_every else None,
        "eval_max_new_tokens": run.eval_protocol.get("max_new_tokens") if run.eval_every else None,
        "contamination_override": run.contamination_override,
        "cloned_from": run.pk,
    }
    return _with_config(initial, changed)

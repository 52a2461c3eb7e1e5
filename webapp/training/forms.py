"""The launch form: typed fields for what researchers change most, ``KEY=VALUE`` lines for the
rest of the method config, and every check of :func:`webapp.training.services.launch_check`,
shown next to the field it is about."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from training_worker.configs import GRPOMethodConfig, SFTMethodConfig
from webapp.core.forms import Form
from webapp.core.models import JobStatus
from webapp.mixtures.models import ItemRole, Snapshot
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


class SnapshotField(forms.ChoiceField):
    """A snapshot by hash. The choices are the snapshots offered for the field's role; any
    hash posted is judged by the launch check, which says why it cannot be used (no train
    rows, unknown) rather than "not one of the available choices"."""

    def valid_value(self, value: Any) -> bool:
        return True


def _offer(field: forms.ChoiceField, snapshots: list[Snapshot], role: str, blank: str) -> None:
    """Offer the snapshots with rows in ``role``; the help text says how many were left out."""
    fit = [s for s in snapshots if s.role_rows(role)]
    field.choices = [("", blank), *((s.sha256, _snapshot_label(s)) for s in fit)]
    if len(fit) < len(snapshots):
        field.help_text += (
            f" (only snapshots with {role} rows are listed: {len(snapshots) - len(fit)} without "
            f"any are left out; a source's role is set in its mixture)"
        )


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
    train_snapshot = SnapshotField(label="Train snapshot", help_text="its train rows are trained on")
    eval_snapshot = SnapshotField(
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
        train_field = self.fields["train_snapshot"]
        eval_field = self.fields["eval_snapshot"]
        assert isinstance(train_field, forms.ChoiceField) and isinstance(eval_field, forms.ChoiceField)
        _offer(train_field, snapshots, ItemRole.TRAIN, "choose a snapshot")
        _offer(eval_field, snapshots, ItemRole.EVAL, "none")
        for name in ("learning_rate", "max_steps", "per_device_train_batch_size", "save_steps"):
            self.fields[name].widget.attrs["placeholder"] = f"SFT {getattr(SFTMethodConfig(), name)}"
        self.request: LaunchRequest | None = None
        self.warnings: dict[str, list[str]] = {}

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
        """Every check at once, whatever else failed: a field Django refused is left out of
        the launch check (its neighbours are still checked), so one submit shows every
        mistake."""
        data = super().clean() or {}
        try:
            config = self._config(data)
        except ValueError as exc:
            self.add_error("extra", str(exc))
            config = {}
        request = self._request(data, config)
        try:
            launch_check(request)
        except LaunchRefused as exc:
            self._refuse(exc.errors)
        if not self.errors:
            self.request = request
        return data

    def _request(self, data: dict[str, Any], config: dict[str, Any]) -> LaunchRequest:
        """The launch asked for; a field that failed its own check takes a neutral value."""
        cloned = data.get("cloned_from")
        return LaunchRequest(
            method=data.get("method") or Method.SFT,
            model=data.get("model") or "default",
            train_snapshot=data.get("train_snapshot") or "",
            eval_snapshot=data.get("eval_snapshot") or None,
            seed=data["seed"] if data.get("seed") is not None else 0,
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

    def _refuse(self, errors: dict[str, str]) -> None:
        """Each of the launch check's reasons next to its field (once: a field that already
        shows an error keeps that one)."""
        for name, reason in errors.items():
            if name.startswith("eval_") and name not in self.fields:
                name = "eval_every"  # a protocol field the form has no box for
            if name not in self.fields or name == "cloned_from":
                name, reason = "extra", f"{name}: {reason}"
            if name == "extra" or name not in self.errors:
                self.add_error(name, reason)


def initial_from_preset(name: str) -> dict[str, Any]:
    """The form's initial values for a preset (unknown names give nothing). A preset that
    starts from a checkpoint starts from the latest SFT run that succeeded with one, on
    that run's train snapshot (the model stays ``default`` when there is none:
    :func:`preset_warnings` says so)."""
    preset = PRESETS.get(name)
    if preset is None:
        return {}
    initial = _with_config({"method": preset.method}, preset.config)
    source = _latest_sft_with_checkpoint() if preset.from_checkpoint else None
    if source is not None:
        initial |= {"model": f"run:{source.pk}", "train_snapshot": source.train_snapshot.sha256}
    return initial


def _latest_sft_with_checkpoint() -> TrainingRun | None:
    runs = TrainingRun.objects.filter(
        method=Method.SFT, status=JobStatus.SUCCEEDED, checkpoints__isnull=False
    )
    return runs.select_related("train_snapshot").order_by("-created_at", "-pk").first()


def preset_warnings(name: str, initial: dict[str, Any]) -> dict[str, list[str]]:
    """What to tell the researcher about a preset's pre-filled form: one that starts from a
    checkpoint but found none to start from asks for one."""
    preset = PRESETS.get(name)
    if preset is None or not preset.from_checkpoint or str(initial.get("model", "")).startswith("run:"):
        return {}
    return {
        "model": [
            f"“{preset.label}” starts from a checkpoint, but no SFT run has succeeded with one yet: "
            "launch the SFT preset first, then write run:ID here (or RL from the base model, "
            "knowingly, with default)."
        ]
    }


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

"""Typed job configs, written the way TRL writes its own: a dataclass per method, a help
string per field, validation in ``__post_init__``, and one mapping onto TRL's
``SFTConfig`` / ``GRPOConfig`` / ``RLOOConfig``; :class:`GenerateConfig` for generation jobs
(no TRL there).

``from_dict`` refuses an unknown field or an invalid value and names the field
(``learning_rate: must be > 0, got -1``), so the web form and the worker agree on what a
valid launch is. Standard library only; TRL is imported only by :func:`build_trl_args`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin

from training_worker.fieldtypes import field_hints, fits, is_union

C = TypeVar("C", bound="TypedConfig")


class ConfigError(ValueError):
    """An invalid method config. ``field`` names the field (``stop[0]`` for an item of a
    list, ``config`` for the config as a whole) and ``reason`` says what is wrong; the
    message is ``field: reason``, as forms and commands print it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


#: What a config's message says each plain annotation expects.
_EXPECTED: dict[Any, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a finite number",
    str: "a string",
}


def _check_type(name: str, hint: Any, value: Any) -> Any:
    """``value`` checked against ``hint``: its type as :func:`~training_worker.fieldtypes.fits`
    reads the annotation, then a list's items, a literal's choices and a float's finiteness;
    int -> float is the only coercion. Else :class:`ConfigError` naming ``name``."""
    if is_union(hint):
        return _check_union(name, hint, value)
    origin = get_origin(hint)
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices or type(value) is not type(choices[0]):
            raise ConfigError(name, f"must be one of {', '.join(map(str, choices))}, got {_describe(value)}")
        return value
    if origin is list:
        if not fits(hint, value):
            raise ConfigError(name, f"expected a list, got {type(value).__name__}")
        (item,) = get_args(hint)
        return [_check_type(f"{name}[{i}]", item, v) for i, v in enumerate(value)]
    if hint not in _EXPECTED:
        raise TypeError(f"{name}: unsupported annotation {hint!r}")  # a bug in a config class
    if not fits(hint, value) or (hint is float and not math.isfinite(value)):
        raise ConfigError(name, f"expected {_EXPECTED[hint]}, got {_describe(value)}")
    return float(value) if hint is float else value


def _check_union(name: str, hint: Any, value: Any) -> Any:
    """``None`` where the union allows it, else the first option ``value`` fits; the one
    option's own error when there is one, else "invalid value"."""
    options = get_args(hint)
    if value is None and type(None) in options:
        return None
    errors: list[ConfigError] = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _check_type(name, option, value)
        except ConfigError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    raise ConfigError(name, f"invalid value {_describe(value)}")


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(name, f"must be > 0, got {_describe(value)}")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise ConfigError(name, f"must be >= 0, got {_describe(value)}")


def _in_range(name: str, value: float, low: float, high: float, *, high_open: bool = False) -> None:
    ok = low <= value < high if high_open else low <= value <= high
    if not ok:
        bracket = ")" if high_open else "]"
        raise ConfigError(name, f"must be in [{low}, {high}{bracket}, got {_describe(value)}")


def _check_server_url(url: str) -> None:
    """``url`` is http(s)://HOST:PORT with nothing after it but an optional ``/``."""
    from urllib.parse import urlsplit

    reason = "must be http://HOST:PORT or https://HOST:PORT"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("vllm_server_base_url", f"{reason}, got {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
        raise ConfigError("vllm_server_base_url", f"{reason}, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError("vllm_server_base_url", f"{reason} (no path), got {url!r}")


@dataclass
class TypedConfig:
    """The machinery every job config shares: each field's value checked against its
    annotation (read as the wire types read theirs, :mod:`training_worker.fieldtypes`; int ->
    float is the only coercion), unknown fields refused with their name, a help string per
    field."""

    def __post_init__(self) -> None:
        hints = field_hints(type(self))
        for f in dataclasses.fields(self):
            setattr(self, f.name, _check_type(f.name, hints[f.name], getattr(self, f.name)))

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        """A validated config; an unknown field is refused with its name and the known ones."""
        if not isinstance(data, dict):
            raise ConfigError("config", f"expected an object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                unknown[0], f"unknown field for {cls.method_name()}; known: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Every field, resolved (what a run records as its config)."""
        return dataclasses.asdict(self)

    @classmethod
    def method_name(cls) -> str:
        """``sft``, ``grpo``, ``rloo`` or ``generate``."""
        return cls.__name__.removesuffix("MethodConfig").removesuffix("Config").lower()

    @classmethod
    def field_help(cls) -> dict[str, str]:
        """Field name -> help text (for forms and ``--help``)."""
        return {f.name: str(f.metadata.get("help", "")) for f in dataclasses.fields(cls)}


@dataclass
class MethodConfig(TypedConfig):
    """What every method shares: optimisation, schedule, logging, checkpoints, LoRA."""

    #: The TRL config class this maps onto (set by each method).
    trl_class: ClassVar[str] = ""

    learning_rate: float = field(
        default=2e-5, metadata={"help": "Peak learning rate of AdamW (after warm-up). Must be > 0."}
    )
    max_steps: int = field(
        default=-1,
        metadata={
            "help": "Total optimizer steps; -1 trains for num_train_epochs instead. Small runs on a CPU "
            "want a step budget, not epochs."
        },
    )
    num_train_epochs: float = field(
        default=1.0, metadata={"help": "Passes over the training rows when max_steps is -1."}
    )
    per_device_train_batch_size: int = field(
        default=4, metadata={"help": "Rows (SFT) or completions (RL) per device per micro-batch."}
    )
    gradient_accumulation_steps: int = field(
        default=1, metadata={"help": "Micro-batches accumulated into one optimizer step."}
    )
    warmup_ratio: float = field(
        default=0.0, metadata={"help": "Share of the steps spent on a linear warm-up, in [0, 1)."}
    )
    lr_scheduler_type: Literal["linear", "cosine", "constant", "constant_with_warmup"] = field(
        default="linear", metadata={"help": "Learning-rate schedule after warm-up (TRL's default: linear)."}
    )
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm; 0 disables it."})
    logging_steps: int = field(
        default=1,
        metadata={
            "help": "Emit a metrics event (and, for RL, a rollouts file) every this many steps. Every "
            "step by default: the run page draws live curves from these."
        },
    )
    save_steps: int = field(
        default=50, metadata={"help": "Save a checkpoint every this many steps (and always at the end)."}
    )
    save_total_limit: int | None = field(
        default=None,
        metadata={"help": "Keep at most this many checkpoints locally; null keeps all (resume needs them)."},
    )
    bf16: bool = field(
        default=False, metadata={"help": "Train in bfloat16 mixed precision. Needs a CUDA device."}
    )
    gradient_checkpointing: bool = field(
        default=False, metadata={"help": "Trade compute for memory by recomputing activations."}
    )
    seed: int | None = field(
        default=None,
        metadata={"help": "Seed for weights, data order and sampling; null uses the job's seed."},
    )
    num_processes: int = field(
        default=1,
        metadata={
            "help": "Processes (ranks) this job trains in: one per GPU (NCCL), or on a worker without "
            "CUDA one per CPU core (gloo); 1 trains in the worker process itself. One optimizer step "
            "sees per_device_train_batch_size x gradient_accumulation_steps x num_processes rows (halve "
            "the batch size for 2 ranks to keep a 1-process run's batch). The worker refuses more than "
            "it has GPUs (or cores without one)."
        },
    )
    placement: Literal["local", "ray"] = field(
        default="local",
        metadata={
            "help": "Where the ranks run: 'local' on the worker's own machine; 'ray' on the Ray cluster "
            "at the worker's RAY_ADDRESS (one CPU, or one GPU when the cluster has enough, per rank, "
            "across its nodes). A job asking for more processes than its worker has also goes to Ray "
            "when the worker has RAY_ADDRESS."
        },
    )
    use_lora: bool = field(
        default=False, metadata={"help": "Train a LoRA adapter (peft) instead of every weight."}
    )
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(
        default=32, metadata={"help": "LoRA scaling numerator (alpha / r scales the update)."}
    )
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA path, in [0, 1)."})
    lora_target_modules: list[str] = field(
        default_factory=lambda: ["all-linear"],
        metadata={"help": "Module names LoRA wraps; ['all-linear'] wraps every linear layer but the head."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive("learning_rate", self.learning_rate)
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError("max_steps", f"must be a positive number of steps or -1, got {self.max_steps}")
        if self.max_steps == -1:
            _positive("num_train_epochs", self.num_train_epochs)
        _positive("per_device_train_batch_size", self.per_device_train_batch_size)
        _positive("gradient_accumulation_steps", self.gradient_accumulation_steps)
        _in_range("warmup_ratio", self.warmup_ratio, 0.0, 1.0, high_open=True)
        _non_negative("weight_decay", self.weight_decay)
        _non_negative("max_grad_norm", self.max_grad_norm)
        _positive("logging_steps", self.logging_steps)
        _positive("save_steps", self.save_steps)
        if self.save_total_limit is not None:
            _positive("save_total_limit", self.save_total_limit)
        if self.seed is not None:
            _in_range("seed", self.seed, 0, 2**32 - 1)
        _positive("num_processes", self.num_processes)
        _positive("lora_r", self.lora_r)
        _positive("lora_alpha", self.lora_alpha)
        _in_range("lora_dropout", self.lora_dropout, 0.0, 1.0, high_open=True)
        if not self.lora_target_modules or any(not m.strip() for m in self.lora_target_modules):
            raise ConfigError("lora_target_modules", "must be a non-empty list of module names")

    def trl_kwargs(self, output_dir: str, *, cuda: bool, seed: int) -> dict[str, Any]:
        """Keyword arguments for the TRL config class: this config's fields under TRL's
        names, plus what the worker always sets (no reporting to external services, no
        progress bars, checkpoints every ``save_steps``)."""
        return {
            "output_dir": output_dir,
            "learning_rate": self.learning_rate,
            "max_steps": self.max_steps,
            "num_train_epochs": self.num_train_epochs,
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "warmup_steps": self.warmup_ratio,  # a float in [0, 1) is a ratio for transformers
            "lr_scheduler_type": self.lr_scheduler_type,
            "weight_decay": self.weight_decay,
            "max_grad_norm": self.max_grad_norm,
            "logging_strategy": "steps",
            "logging_steps": self.logging_steps,
            "save_strategy": "steps",
            "save_steps": self.save_steps,
            "save_total_limit": self.save_total_limit,
            "bf16": self.bf16,
            # transformers 5 renamed it (the old name warns); TRL's default is on, which costs
            # ~20% speed for memory a small model does not need.
            "activation_checkpointing": self.gradient_checkpointing,
            "seed": self.seed if self.seed is not None else seed,
            "use_cpu": not cuda,
            "report_to": [],
            "disable_tqdm": True,
            "dataloader_num_workers": 0,
        }

    def lora_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``peft.LoraConfig`` (causal LM)."""
        targets: str | list[str] = self.lora_target_modules
        if self.lora_target_modules == ["all-linear"]:
            targets = "all-linear"
        return {
            "r": self.lora_r,
            "lora_alpha": self.lora_alpha,
            "lora_dropout": self.lora_dropout,
            "target_modules": targets,
            "task_type": "CAUSAL_LM",
        }


@dataclass
class SFTMethodConfig(MethodConfig):
    """Supervised fine-tuning on prompt-completion rows, loss on the completion only."""

    trl_class: ClassVar[str] = "SFTConfig"

    loss_type: Literal["nll", "dft"] = field(
        default="nll",
        metadata={
            "help": "'nll': negative log-likelihood; 'dft': Dynamic Fine-Tuning (each token's loss "
            "weighted by its probability, arXiv:2508.05629), as TRL implements it."
        },
    )
    max_length: int = field(
        default=1024,
        metadata={"help": "Rows longer than this many tokens (prompt + completion) are truncated."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive("max_length", self.max_length)

    def trl_kwargs(self, output_dir: str, *, cuda: bool, seed: int) -> dict[str, Any]:
        """See :meth:`MethodConfig.trl_kwargs`; adds the loss and completion-only masking."""
        return {
            **super().trl_kwargs(output_dir, cuda=cuda, seed=seed),
            "loss_type": self.loss_type,
            "max_length": self.max_length,
            "completion_only_loss": True,
            "packing": False,
        }


@dataclass
class _RLMethodConfig(MethodConfig):
    """Sampling, the sandbox reward and vLLM rollouts, shared by GRPO and RLOO."""

    learning_rate: float = field(
        default=1e-6, metadata={"help": "Peak learning rate; RL wants a much smaller one than SFT."}
    )
    max_steps: int = field(
        default=100, metadata={"help": "Total optimizer steps (RL runs are step-budgeted)."}
    )
    per_device_train_batch_size: int = field(
        default=8,
        metadata={
            "help": "Completions per device per micro-batch; with gradient accumulation, a multiple "
            "of num_generations."
        },
    )
    num_generations: int = field(
        default=4,
        metadata={"help": "Completions sampled per prompt (the group the advantage is computed over)."},
    )
    max_prompt_length: int = field(
        default=512,
        metadata={
            "help": "Prompts longer than this many tokens (after the chat template) are left out of the run."
        },
    )
    max_completion_length: int = field(
        default=256, metadata={"help": "Tokens generated per completion at most."}
    )
    temperature: float = field(default=1.0, metadata={"help": "Sampling temperature of the rollouts (> 0)."})
    top_p: float = field(default=1.0, metadata={"help": "Nucleus sampling mass, in (0, 1]."})
    beta: float = field(
        default=0.04,
        metadata={"help": "KL penalty toward the initial model; 0 loads no reference model (faster)."},
    )
    epsilon: float = field(default=0.2, metadata={"help": "Clipping range of the policy ratio."})
    num_iterations: int = field(default=1, metadata={"help": "Optimisation passes per generated batch (mu)."})
    mask_truncated_completions: bool = field(
        default=False, metadata={"help": "Leave completions cut at max_completion_length out of the loss."}
    )
    reward_mode: Literal["binary", "fraction"] = field(
        default="binary",
        metadata={
            "help": "'binary': 1 when the sandbox passes every case, else 0; 'fraction': the share of "
            "cases passed. Tampering (exits, non-plain values) always scores 0."
        },
    )
    format_reward_weight: float = field(
        default=0.0,
        metadata={
            "help": "Added to the reward when the answer is one ```python block defining the entry "
            "point; small (e.g. 0.1) or 0."
        },
    )
    judge_timeout_s: float = field(default=5.0, metadata={"help": "Sandbox wall-clock limit per program."})
    use_vllm: bool = field(
        default=False, metadata={"help": "Generate rollouts with vLLM (CUDA with vllm installed only)."}
    )
    vllm_mode: Literal["colocate", "server"] = field(
        default="colocate",
        metadata={
            "help": "'colocate': vLLM shares the training GPU; 'server': a separate `trl vllm-serve` "
            "(the compose service vllm) at vllm_server_base_url."
        },
    )
    vllm_gpu_memory_utilization: float = field(
        default=0.3, metadata={"help": "Share of GPU memory vLLM may take in colocate mode, in (0, 1]."}
    )
    vllm_server_base_url: str = field(
        default="",
        metadata={
            "help": "Server mode only, and needed there: the address of `trl vllm-serve`, "
            "http://HOST:PORT (http://vllm:8000 in docker-compose). The server must serve the "
            "run's model; its weights follow the trainer's after every step."
        },
    )
    vllm_server_timeout: float = field(
        default=240.0,
        metadata={"help": "Server mode: seconds to wait for the vLLM server to answer before the job fails."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_vllm()
        if self.num_generations < 2:
            raise ConfigError(
                "num_generations",
                f"must be >= 2 (advantages compare completions), got {self.num_generations}",
            )
        # One generation round fills the global batch (every rank's micro-batches).
        batch = self.per_device_train_batch_size * self.gradient_accumulation_steps * self.num_processes
        if batch % self.num_generations:
            raise ConfigError(
                "num_generations",
                f"per_device_train_batch_size x gradient_accumulation_steps x num_processes ({batch}) "
                f"must be a multiple of it, got {self.num_generations}",
            )
        _positive("max_prompt_length", self.max_prompt_length)
        _positive("max_completion_length", self.max_completion_length)
        _positive("temperature", self.temperature)
        if not 0 < self.top_p <= 1:
            raise ConfigError("top_p", f"must be in (0, 1], got {self.top_p}")
        _non_negative("beta", self.beta)
        _positive("epsilon", self.epsilon)
        _positive("num_iterations", self.num_iterations)
        _in_range("format_reward_weight", self.format_reward_weight, 0.0, 1.0)
        _in_range("judge_timeout_s", self.judge_timeout_s, 0.1, 600.0)

    def _check_vllm(self) -> None:
        """vLLM's settings: memory share, and in server mode the server's address (needed)
        and timeout; an address in colocate mode is refused rather than silently ignored."""
        if not 0 < self.vllm_gpu_memory_utilization <= 1:
            raise ConfigError(
                "vllm_gpu_memory_utilization", f"must be in (0, 1], got {self.vllm_gpu_memory_utilization}"
            )
        _in_range("vllm_server_timeout", self.vllm_server_timeout, 1.0, 3600.0)
        url = self.vllm_server_base_url.strip()
        if url:
            _check_server_url(url)
            if self.vllm_mode != "server":
                raise ConfigError(
                    "vllm_server_base_url",
                    "only used when vllm_mode is 'server'; leave it empty for colocate",
                )
        elif self.use_vllm and self.vllm_mode == "server":
            raise ConfigError(
                "vllm_server_base_url",
                "needed when vllm_mode is 'server': the address of `trl vllm-serve`, e.g. http://vllm:8000",
            )
        self.vllm_server_base_url = url.rstrip("/")

    def trl_kwargs(self, output_dir: str, *, cuda: bool, seed: int) -> dict[str, Any]:
        """See :meth:`MethodConfig.trl_kwargs`; adds sampling, KL, clipping and vLLM."""
        kwargs = {
            **super().trl_kwargs(output_dir, cuda=cuda, seed=seed),
            "num_generations": self.num_generations,
            "max_completion_length": self.max_completion_length,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "beta": self.beta,
            "epsilon": self.epsilon,
            "num_iterations": self.num_iterations,
            "mask_truncated_completions": self.mask_truncated_completions,
            "use_vllm": self.use_vllm,
            # Task ids and entry points ride along to the reward function.
            "remove_unused_columns": False,
            "log_completions": False,
        }
        if self.use_vllm:
            kwargs["vllm_mode"] = self.vllm_mode
            if self.vllm_mode == "server":
                kwargs["vllm_server_base_url"] = self.vllm_server_base_url
                kwargs["vllm_server_timeout"] = self.vllm_server_timeout
            else:
                kwargs["vllm_gpu_memory_utilization"] = self.vllm_gpu_memory_utilization
        return kwargs


@dataclass
class GRPOMethodConfig(_RLMethodConfig):
    """GRPO (TRL's ``GRPOTrainer``) with a selectable loss aggregation."""

    trl_class: ClassVar[str] = "GRPOConfig"

    loss_type: Literal["grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo"] = field(
        default="dapo",
        metadata={
            "help": "Loss aggregation: 'grpo' (per-sequence mean; length-biased), 'dr_grpo' (global "
            "constant), 'dapo' (tokens in the global batch; TRL's default), 'bnpo' (tokens in the local "
            "batch), 'cispo' (clipped IS weights), 'sapo' (soft gate)."
        },
    )
    scale_rewards: Literal["group", "batch", "none"] = field(
        default="group",
        metadata={
            "help": "Divide advantages by the reward std of the group, of the batch, or not at all "
            "(Dr. GRPO)."
        },
    )
    epsilon_high: float | None = field(
        default=None,
        metadata={"help": "Upper clipping bound (DAPO's clip-higher, e.g. 0.28); null: epsilon."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.epsilon_high is not None and self.epsilon_high < self.epsilon:
            raise ConfigError("epsilon_high", f"must be >= epsilon ({self.epsilon}), got {self.epsilon_high}")

    def trl_kwargs(self, output_dir: str, *, cuda: bool, seed: int) -> dict[str, Any]:
        """See :meth:`_RLMethodConfig.trl_kwargs`; adds the loss type and reward scaling."""
        return {
            **super().trl_kwargs(output_dir, cuda=cuda, seed=seed),
            "loss_type": self.loss_type,
            "scale_rewards": self.scale_rewards,
            "epsilon_high": self.epsilon_high,
        }


@dataclass
class RLOOMethodConfig(_RLMethodConfig):
    """RLOO (TRL's ``RLOOTrainer``): leave-one-out baseline over the group."""

    trl_class: ClassVar[str] = "RLOOConfig"

    normalize_advantages: bool = field(
        default=False, metadata={"help": "Normalise advantages over each generation batch (mean 0, std 1)."}
    )

    def trl_kwargs(self, output_dir: str, *, cuda: bool, seed: int) -> dict[str, Any]:
        """See :meth:`_RLMethodConfig.trl_kwargs`; adds advantage normalisation."""
        return {
            **super().trl_kwargs(output_dir, cuda=cuda, seed=seed),
            "normalize_advantages": self.normalize_advantages,
        }


@dataclass
class GenerateConfig(TypedConfig):
    """Generation for evaluation (job kind ``generate``): ``n`` samples per problem of the
    job's snapshot files, written to ``<artifact_prefix>/generations.jsonl``."""

    n: int = field(
        default=1,
        metadata={
            "help": "Samples per problem (the n of pass@k; every k must be <= n). With temperature 0 "
            "the samples are identical (greedy): n > 1 is allowed but only repeats the answer."
        },
    )
    temperature: float = field(
        default=0.0,
        metadata={"help": "Sampling temperature, >= 0; 0 is greedy decoding (use it with n = 1)."},
    )
    top_p: float = field(
        default=1.0, metadata={"help": "Nucleus sampling mass, in (0, 1]; 1 keeps every token."}
    )
    max_new_tokens: int = field(
        default=512,
        metadata={
            "help": "Tokens generated per sample at most; a sample cut there has finish_reason 'length'."
        },
    )
    batch_size: int = field(
        default=8,
        metadata={
            "help": "Sequences per forward pass of the transformers backend (samples of one problem share "
            "a batch); vLLM schedules its own batches and ignores it."
        },
    )
    stop: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Strings that end a sample (left out of the completion, finish_reason 'stop'), besides "
            "the model's end-of-turn token; e.g. ['\\ndef ', '\\nclass '] for raw HumanEval completion."
        },
    )
    chat_template: bool = field(
        default=True,
        metadata={
            "help": "Ask through the model's chat template with the same user message as training "
            "(training_worker.data.user_message); false gives the record's prompt as raw text to continue "
            "(HumanEval style, for base models)."
        },
    )
    backend: Literal["auto", "transformers", "vllm"] = field(
        default="auto",
        metadata={
            "help": "'auto': vLLM when it is installed and CUDA is present, else transformers; "
            "'transformers': batched generate with left padding; 'vllm': fail if vLLM cannot run here."
        },
    )
    roles: list[str] | None = field(
        default=None,
        metadata={
            "help": "Keep only records whose role (ProblemRecord.role: meta.mixture.role, 'train' for a "
            "record not built by a mixture) is one of these; evaluation asks for ['eval']. null keeps "
            "every record."
        },
    )
    task_ids: list[str] | None = field(
        default=None, metadata={"help": "Keep only these task ids (null: every task)."}
    )
    limit: int | None = field(
        default=None,
        metadata={"help": "At most this many problems (after the filters, in file order); null: all."},
    )
    dtype: Literal["auto", "float32", "bfloat16"] = field(
        default="auto",
        metadata={
            "help": "Weights' dtype: 'auto' is bfloat16 on a CUDA device that supports it, else float32."
        },
    )
    vllm_gpu_memory_utilization: float = field(
        default=0.85, metadata={"help": "Share of GPU memory vLLM may take, in (0, 1]."}
    )
    progress_every_s: float = field(
        default=2.0,
        metadata={"help": "Seconds between 'generations' progress events at least (0: after every batch)."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive("n", self.n)
        _non_negative("temperature", self.temperature)
        if not 0 < self.top_p <= 1:
            raise ConfigError("top_p", f"must be in (0, 1], got {self.top_p}")
        _positive("max_new_tokens", self.max_new_tokens)
        _positive("batch_size", self.batch_size)
        for i, text in enumerate(self.stop):
            if not text:
                raise ConfigError(f"stop[{i}]", "must not be empty")
        for name in ("roles", "task_ids"):
            values = getattr(self, name)
            if values is not None and (not values or any(not v.strip() for v in values)):
                raise ConfigError(name, "must be null or a non-empty list of non-empty strings")
        if self.limit is not None:
            _positive("limit", self.limit)
        if not 0 < self.vllm_gpu_memory_utilization <= 1:
            raise ConfigError(
                "vllm_gpu_memory_utilization", f"must be in (0, 1], got {self.vllm_gpu_memory_utilization}"
            )
        _non_negative("progress_every_s", self.progress_every_s)

    @property
    def greedy(self) -> bool:
        """Whether decoding is greedy (temperature 0)."""
        return self.temperature == 0


def build_trl_args(config: MethodConfig, output_dir: str, *, cuda: bool, seed: int) -> Any:
    """The TRL config object for ``config`` (imports TRL)."""
    import trl

    trl_cls = getattr(trl, config.trl_class)
    return trl_cls(**config.trl_kwargs(output_dir, cuda=cuda, seed=seed))

"""Typed method configs: validation names the field, and every mapped kwarg is accepted by
the installed TRL's config class."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from training_worker.configs import (
    ConfigError,
    GRPOMethodConfig,
    MethodConfig,
    RLOOMethodConfig,
    SFTMethodConfig,
    build_trl_args,
)
from training_worker.registry import METHODS, UnknownMethod, method


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        (SFTMethodConfig, {"learning_rate": -1}, "learning_rate: must be > 0, got -1.0"),
        (SFTMethodConfig, {"learning_rate": "fast"}, "learning_rate: expected a finite number, got 'fast'"),
        (SFTMethodConfig, {"max_steps": 0}, "max_steps: must be a positive number of steps or -1, got 0"),
        (SFTMethodConfig, {"max_steps": 2.5}, "max_steps: expected an integer, got 2.5"),
        (SFTMethodConfig, {"loss_type": "kl"}, "loss_type: must be one of nll, dft, got 'kl'"),
        (SFTMethodConfig, {"use_lora": "yes"}, "use_lora: expected true or false, got 'yes'"),
        (SFTMethodConfig, {"lora_dropout": 1.0}, "lora_dropout: must be in [0.0, 1.0), got 1.0"),
        (SFTMethodConfig, {"lora_target_modules": []}, "lora_target_modules: must be a non-empty list"),
        (
            SFTMethodConfig,
            {"lora_target_modules": ["q_proj", 3]},
            "lora_target_modules[1]: expected a string, got 3",
        ),
        (SFTMethodConfig, {"num_generations": 4}, "num_generations: unknown field for sft; known: "),
        (
            GRPOMethodConfig,
            {"loss_type": "ppo"},
            "loss_type: must be one of grpo, dr_grpo, dapo, bnpo, cispo, sapo",
        ),
        (GRPOMethodConfig, {"num_generations": 1}, "num_generations: must be >= 2"),
        (
            GRPOMethodConfig,
            {"num_generations": 3},
            "num_generations: per_device_train_batch_size x gradient_accumulation_steps x num_processes (8) "
            "must be a multiple of it, got 3",
        ),
        (
            GRPOMethodConfig,
            {"reward_mode": "partial"},
            "reward_mode: must be one of binary, fraction, got 'partial'",
        ),
        (GRPOMethodConfig, {"temperature": 0}, "temperature: must be > 0, got 0.0"),
        (GRPOMethodConfig, {"epsilon_high": 0.1}, "epsilon_high: must be >= epsilon (0.2), got 0.1"),
        (
            GRPOMethodConfig,
            {"format_reward_weight": 2},
            "format_reward_weight: must be in [0.0, 1.0], got 2.0",
        ),
        (RLOOMethodConfig, {"loss_type": "grpo"}, "loss_type: unknown field for rloo"),
        (RLOOMethodConfig, {"beta": -0.1}, "beta: must be >= 0, got -0.1"),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server"},
            "vllm_server_base_url: needed when vllm_mode is 'server': the address of `trl vllm-serve`",
        ),
        (
            RLOOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "  "},
            "vllm_server_base_url: needed when vllm_mode is 'server'",
        ),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "vllm:8000"},
            "vllm_server_base_url: must be http://HOST:PORT or https://HOST:PORT, got 'vllm:8000'",
        ),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "http://vllm"},
            "vllm_server_base_url: must be http://HOST:PORT",
        ),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "http://vllm:99999"},
            "vllm_server_base_url: must be http://HOST:PORT",
        ),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "http://vllm:8000/v1"},
            "vllm_server_base_url: must be http://HOST:PORT or https://HOST:PORT (no path)",
        ),
        (
            GRPOMethodConfig,
            {"use_vllm": True, "vllm_server_base_url": "http://vllm:8000"},
            "vllm_server_base_url: only used when vllm_mode is 'server'",
        ),
        (GRPOMethodConfig, {"vllm_mode": "remote"}, "vllm_mode: must be one of colocate, server"),
        (GRPOMethodConfig, {"vllm_server_timeout": 0}, "vllm_server_timeout: must be in [1.0, 3600.0]"),
    ],
)
def test_invalid_configs_are_refused_naming_the_field(
    cls: type[MethodConfig], data: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        cls.from_dict(data)
    assert str(info.value).startswith(message)


def test_every_field_has_help_text() -> None:
    for cls in (SFTMethodConfig, GRPOMethodConfig, RLOOMethodConfig):
        missing = [name for name, text in cls.field_help().items() if not text.strip()]
        assert missing == [], cls.__name__


def test_a_valid_config_round_trips_through_its_dict() -> None:
    config = GRPOMethodConfig.from_dict(
        {"learning_rate": 1, "loss_type": "bnpo", "lora_target_modules": ["q_proj"]}
    )
    assert config.learning_rate == 1.0 and isinstance(config.learning_rate, float)
    assert GRPOMethodConfig.from_dict(config.to_dict()) == config


def _accepted(config: MethodConfig, tmp_path: Path) -> tuple[dict[str, Any], Any]:
    kwargs = config.trl_kwargs(str(tmp_path), cuda=False, seed=3)
    return kwargs, build_trl_args(config, str(tmp_path), cuda=False, seed=3)


@pytest.mark.parametrize(
    "config",
    [
        SFTMethodConfig(loss_type="dft", use_lora=True, max_steps=10),
        *[
            GRPOMethodConfig(loss_type=t, max_steps=10)
            for t in ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo")
        ],
        GRPOMethodConfig(
            scale_rewards="none",
            epsilon_high=0.28,
            use_vllm=True,
            vllm_mode="server",
            vllm_server_base_url="http://vllm:8000",
            vllm_server_timeout=60,
        ),
        GRPOMethodConfig(use_vllm=True, vllm_mode="colocate", vllm_gpu_memory_utilization=0.25),
        RLOOMethodConfig(normalize_advantages=True, max_steps=10),
        RLOOMethodConfig(use_vllm=True, vllm_mode="server", vllm_server_base_url="http://10.0.0.5:8000/"),
    ],
    ids=lambda c: f"{type(c).__name__}-{getattr(c, 'loss_type', '')}",
)
def test_every_mapped_kwarg_is_accepted_by_the_installed_trl_config(
    config: MethodConfig, tmp_path: Path
) -> None:
    import trl

    kwargs, args = _accepted(config, tmp_path)
    trl_fields = {f.name for f in dataclasses.fields(getattr(trl, config.trl_class))}
    assert set(kwargs) - trl_fields == set()
    for name, value in kwargs.items():
        if name in ("report_to", "warmup_steps", "use_cpu", "output_dir"):
            continue  # normalised by transformers (a list, a ratio, the device)
        assert getattr(args, name) == value, name
    assert args.seed == 3 and args.report_to == [] and args.activation_checkpointing is False


def test_server_mode_passes_the_address_and_colocate_the_memory_share(tmp_path: Path) -> None:
    server = GRPOMethodConfig(use_vllm=True, vllm_mode="server", vllm_server_base_url="http://gpu2:8000/")
    kwargs = server.trl_kwargs(str(tmp_path), cuda=False, seed=0)
    assert kwargs["vllm_server_base_url"] == "http://gpu2:8000"  # the slash TRL would double, gone
    assert kwargs["vllm_server_timeout"] == 240.0 and "vllm_gpu_memory_utilization" not in kwargs
    colocate = RLOOMethodConfig(use_vllm=True, vllm_gpu_memory_utilization=0.4)
    kwargs = colocate.trl_kwargs(str(tmp_path), cuda=False, seed=0)
    assert kwargs["vllm_mode"] == "colocate" and kwargs["vllm_gpu_memory_utilization"] == 0.4
    assert "vllm_server_base_url" not in kwargs
    without = GRPOMethodConfig(vllm_mode="server").trl_kwargs(str(tmp_path), cuda=False, seed=0)
    assert without["use_vllm"] is False and not any(k.startswith("vllm_") for k in without)


def test_lora_settings_map_onto_peft() -> None:
    from peft import LoraConfig

    lora = LoraConfig(
        **SFTMethodConfig(use_lora=True, lora_r=8, lora_target_modules=["q_proj", "v_proj"]).lora_kwargs()
    )
    assert lora.r == 8 and set(lora.target_modules) == {"q_proj", "v_proj"}
    assert LoraConfig(**SFTMethodConfig().lora_kwargs()).target_modules == "all-linear"


def test_the_method_registry_names_config_classes_and_lazy_runners() -> None:
    assert set(METHODS) == {"sft", "grpo", "rloo", "generate"}
    assert method("grpo").config_class is GRPOMethodConfig
    assert method("sft").runner == "training_worker.runners.sft:run_sft"
    assert method("generate").runner == "training_worker.runners.generate:run_generate"
    with pytest.raises(UnknownMethod, match="no runner for kind 'dpo'"):
        method("dpo")

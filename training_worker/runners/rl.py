"""RL with TRL's ``GRPOTrainer`` or ``RLOOTrainer``: prompts from a snapshot, rewarded by
the sandbox's judgement of the extracted code (:mod:`training_worker.rewards`)."""

from __future__ import annotations

import os
from typing import Any

from datasets import Dataset

from training_worker.configs import ConfigError, build_trl_args
from training_worker.configs import _RLMethodConfig as RLMethodConfig
from training_worker.data import DataError, rl_rows, train_records
from training_worker.rewards import SandboxReward
from training_worker.runners.common import (
    JobCallback,
    RunContext,
    RunResult,
    check_device,
    drop_printer,
    finish,
    load_model_and_tokenizer,
    peft_config,
    quiet_libraries,
    resume_path,
)


def _fit_prompts(rows: list[dict[str, Any]], tokenizer: Any, max_prompt_length: int) -> list[dict[str, Any]]:
    """Rows whose templated prompt fits ``max_prompt_length`` tokens (TRL no longer cuts
    prompts itself; a cut prompt would lose the signature the model must implement)."""
    kept = []
    for row in rows:
        ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True)
        if hasattr(ids, "keys"):
            ids = ids["input_ids"]
        if len(ids) <= max_prompt_length:
            kept.append(row)
    return kept


def _trainer_class(kind: str) -> Any:
    import trl

    return {"grpo": trl.GRPOTrainer, "rloo": trl.RLOOTrainer}[kind]


def run_rl(ctx: RunContext) -> RunResult:
    """Train ``ctx.spec`` with GRPO or RLOO (``spec.kind``); see the module docstring."""
    from sandbox import SandboxClient

    config = ctx.config
    assert isinstance(config, RLMethodConfig)
    quiet_libraries()
    check_device(ctx)
    records = train_records(ctx.data_uris)
    rows = rl_rows(records)
    if not rows:
        raise DataError("no row of the snapshot can be judged (no cases, no test)")
    model, tokenizer, source = load_model_and_tokenizer(ctx)
    ctx.emitter.log(f"model loaded from {source}")
    fitting = _fit_prompts(rows, tokenizer, config.max_prompt_length)
    if not fitting:
        raise ConfigError("max_prompt_length", f"no prompt fits in {config.max_prompt_length} tokens")
    ctx.emitter.log(
        f"{len(fitting)} RL prompts ({len(rows) - len(fitting)} longer than max_prompt_length left out, "
        f"{len(records) - len(rows)} not judgeable)"
    )
    client = SandboxClient(os.environ.get("SANDBOX_URL") or None)
    try:
        reward = SandboxReward(
            records,
            client,
            mode=config.reward_mode,
            format_weight=config.format_reward_weight,
            timeout_s=config.judge_timeout_s,
        )
        args = build_trl_args(config, str(ctx.output_dir()), cuda=ctx.cuda, seed=ctx.seed)
        callback = JobCallback(ctx, reward)
        trainer = _trainer_class(ctx.spec.kind)(
            model=model,
            reward_funcs=[reward],
            args=args,
            train_dataset=Dataset.from_list(fitting),
            processing_class=tokenizer,
            peft_config=peft_config(config),
            callbacks=[callback],
        )
        drop_printer(trainer)
        callback.telemetry.time_stages(trainer)  # generation / reward / update
        trainer.train(resume_from_checkpoint=resume_path(ctx))
        return finish(ctx, trainer, callback)
    finally:
        client.close()

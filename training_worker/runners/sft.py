"""SFT with TRL's ``SFTTrainer`` on prompt-completion rows from the snapshot's problem
records, through the model's chat template, loss on the completion only (``nll`` or
``dft``), full fine-tuning or LoRA."""

from __future__ import annotations

from datasets import Dataset
from trl import SFTTrainer

from training_worker.configs import SFTMethodConfig, build_trl_args
from training_worker.data import sft_rows, train_records
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


def run_sft(ctx: RunContext) -> RunResult:
    """Train ``ctx.spec`` with SFT; see the module docstring."""
    assert isinstance(ctx.config, SFTMethodConfig)
    quiet_libraries()
    check_device(ctx)
    records = train_records(ctx.data_uris)
    rows = sft_rows(records)
    ctx.emitter.log(f"{len(rows)} training rows from {len(ctx.spec.data_uris)} snapshot file(s)")
    model, tokenizer, source = load_model_and_tokenizer(ctx)
    ctx.emitter.log(f"model loaded from {source}")
    args = build_trl_args(ctx.config, str(ctx.output_dir()), cuda=ctx.cuda, seed=ctx.seed)
    callback = JobCallback(ctx)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=peft_config(ctx.config),
        callbacks=[callback],
    )
    drop_printer(trainer)
    trainer.train(resume_from_checkpoint=resume_path(ctx))
    return finish(ctx, trainer, callback)

"""Batched greedy or sampled generation with transformers (the CPU fallback of DESIGN.md's
generation backends; vLLM takes over on CUDA hosts through TRL)."""

from __future__ import annotations

from typing import Any

from training_worker.contracts import ProblemRecord
from training_worker.data import user_message


def generate_answers(
    model: Any,
    tokenizer: Any,
    records: list[ProblemRecord],
    *,
    max_new_tokens: int = 256,
    batch_size: int = 8,
    temperature: float = 0.0,
) -> list[str]:
    """One answer per record, asked through the chat template as in training."""
    import torch

    answers: list[str] = []
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues at the right end of every row
    try:
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            texts = [
                tokenizer.apply_chat_template(
                    [{"role": "user", "content": user_message(r)}], add_generation_prompt=True, tokenize=False
                )
                for r in batch
            ]
            inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            sampling: dict[str, Any] = (
                {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
            )
            with torch.inference_mode():
                out = model.generate(
                    **inputs, max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id, **sampling
                )
            width = inputs["input_ids"].shape[1]
            answers.extend(tokenizer.decode(row[width:], skip_special_tokens=True) for row in out)
    finally:
        tokenizer.padding_side = side
    return answers

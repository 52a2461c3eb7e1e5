"""A real, tiny causal LM built offline for the tests: a byte-level BPE tokenizer trained on
the test problems (whole lines merge into single tokens, so a 2-layer model memorises an
answer in a few dozen steps) with a ChatML chat template, and a randomly initialised
LlamaConfig model (hidden 64, 2 layers). Nothing is downloaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]

#: Trivially simple problems the tiny model can learn to solve.
PROBLEMS: list[dict[str, Any]] = [
    {
        "task_id": "tiny/add",
        "source": "atom_base",
        "pool": None,
        "lang": "en",
        "prompt": "Write add(a, b) returning the sum.",
        "entry_point": "add",
        "solution": "def add(a, b):\n    return a + b",
        "cases": [{"args": [1, 2], "expected": 3}, {"args": [5, -5], "expected": 0}],
        "test": None,
        "meta": {"topic": "math"},
    },
    {
        "task_id": "tiny/neg",
        "source": "atom_base",
        "pool": None,
        "lang": "en",
        "prompt": "Write neg(x) returning minus x.",
        "entry_point": "neg",
        "solution": "def neg(x):\n    return -x",
        "cases": [{"args": [1], "expected": -1}, {"args": [-4], "expected": 4}],
        "test": None,
        "meta": {"topic": "math"},
    },
]


def write_problems(path: Path, problems: list[dict[str, Any]] | None = None) -> Path:
    """A snapshot-like JSONL file of problem records."""
    path.write_text("".join(json.dumps(p) + "\n" for p in (problems or PROBLEMS)))
    return path


def build_tiny_model(out: Path) -> Path:
    """Save the tiny tokenizer and model under ``out``; returns ``out``."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from training_worker.contracts import ProblemRecord
    from training_worker.data import assistant_answer, user_message

    records = [ProblemRecord.from_dict(p) for p in PROBLEMS]
    corpus = [user_message(r) for r in records] + [assistant_answer(r) for r in records]
    corpus += ["user\n", "assistant\n", "system\n", "def f(x):\n    return x\n"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"[^\n]*\n|[^\n]+"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<pad>", bos_token=None, unk_token=None
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out

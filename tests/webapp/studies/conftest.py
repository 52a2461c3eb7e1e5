"""Fixtures of the studies tests: a small study template on the real atom library, trained
and evaluated with the tiny offline model (tests/training_worker/tiny.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.tiny import build_tiny_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Two arms, RL from the SFT arm's checkpoint: what the paper's SFT-versus-RL template does,
#: at a size the tiny model trains in seconds. Train on modified atoms, evaluate on the base
#: atoms (different prompts and solutions: no contamination).
TEMPLATE = """
name: tiny_sft_rl
title: Tiny SFT then RL
description: SFT on modified atoms, then GRPO from its checkpoint.
factors: [method, init, hyper]
reference: sft
scales:
  tiny: {n: 2}
shared:
  model: MODEL
  train: atoms_modify
  seeds: 1
  protocol: {n: $n, k: [1, 2], temperature: 1.0, max_new_tokens: 16}
mixtures:
  atoms_modify: {seed: 0, tokenizer: whitespace, sources: [{source: atom_modify, ratio: 4, role: train}]}
evals:
  atoms: {seed: 0, tokenizer: whitespace, sources: [{source: atom_base, ratio: 5, role: eval}]}
arms:
  sft:
    method: sft
    init: base
    hyper: {learning_rate: 0.01, max_steps: 2, per_device_train_batch_size: 2, save_steps: 2}
  rl:
    method: grpo
    init: "arm:sft"
    hyper: {learning_rate: 0.0001, max_steps: 2, per_device_train_batch_size: 4, num_generations: 4,
            max_completion_length: 16, save_steps: 2, beta: 0.0}
"""


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("studies-tiny-model"))


@pytest.fixture
def template(tiny_model: Path) -> str:
    return TEMPLATE.replace("MODEL", str(tiny_model))


@pytest.fixture(autouse=True)
def artifacts(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("study-artifacts")
    settings.ARTIFACT_ROOT = str(root)
    return root

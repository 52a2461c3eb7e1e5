"""Contamination on real composites: pools synthesised with disjoint atom pairs give a
clean report of pool A against pool B, and a pool against itself is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from webapp.mixtures.recipe import Item
from webapp.mixtures.services import ContaminationError, contamination_check, mixture_create, snapshot_freeze
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute


@pytest.fixture
def pools(loaded: Any) -> None:
    config = SynthesisConfig(pools={"A": 30, "B": 10}, depth=(2, 3), seed=3, disjoint_pairs=True)
    run_execute(run=run_create(by=None, config=config, enqueue=False))


def _freeze(name: str, source: str, role: str, ratio: int = 100) -> Any:
    items = [Item(source=source, ratio=Decimal(ratio), role=role)]
    return snapshot_freeze(version=mixture_create(name=name, by=None, seed=1, items=items).latest, by=None)


def test_pool_a_against_pool_b_is_clean_and_pool_a_against_itself_is_refused(pools: None) -> None:
    train = _freeze("pool-a-train", "composite:A", "train", ratio=600)
    pool_b = _freeze("pool-b", "composite:B", "eval")
    report = contamination_check(train=train, eval=pool_b, strict=False)
    assert report.blocking == 0 and report.eval_hit["shared_pair"] == 0, report.summary()

    pool_a = _freeze("pool-a-eval", "composite:A", "eval")
    with pytest.raises(ContaminationError) as exc:
        contamination_check(train=train, eval=pool_a)
    assert exc.value.report.eval_hit["same_chain"] == 30

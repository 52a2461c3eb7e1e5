"""Contamination between train and eval rows: found when they overlap, absent when disjoint."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from training_worker.contracts import ProblemRecord
from webapp.mixtures.contamination import Params, contamination, normalise_solution
from webapp.mixtures.models import ContaminationReport
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import (
    ContaminationError,
    contamination_check,
    contamination_report,
    mixture_create,
    snapshot_freeze,
)


def _composite(pool: str, index: int, chain: list[str]) -> ProblemRecord:
    """A record in the composites' format (source ``composite``, ``meta.atoms`` the chain)."""
    name = "_then_".join(chain)
    return ProblemRecord(
        task_id=f"composite/{pool}/{index:06d}",
        source="composite",
        pool=pool,
        lang="en",
        prompt=f"Apply {', then '.join(chain)} to xs (pool {pool} #{index}).\n\ndef {name}(xs):\n",
        entry_point=name,
        solution=f"def {name}(xs):\n" + "".join(f"    xs = {a}(xs)\n" for a in chain) + "    return xs\n",
        meta={"atoms": chain, "shape": "chain", "topic": "lists"},
    )


POOL_A = [
    _composite("A", 0, ["reverse_list", "dedupe"]),
    _composite("A", 1, ["sort_list", "square_all", "sum_pairs"]),
]
POOL_B = [
    _composite("B", 0, ["dedupe", "reverse_list"]),  # the same atoms in another order: no shared pair
    _composite("B", 1, ["square_all", "sort_list"]),
]


def test_disjoint_composite_pools_give_a_clean_report() -> None:
    report = contamination(POOL_A, POOL_B)
    assert report.clean and report.blocking == 0, report.summary()


def test_a_shared_chain_and_a_shared_adjacent_pair_are_found() -> None:
    copy = _composite("B", 7, ["sort_list", "square_all", "sum_pairs"])
    same_chain = dataclasses.replace(copy, prompt="other words")
    pair_only = _composite("B", 8, ["negate", "square_all", "sum_pairs", "dedupe"])
    report = contamination(POOL_A, [*POOL_B, same_chain, pair_only])
    assert report.eval_hit["same_chain"] == 1
    assert report.examples["same_chain"][0] == {
        "train": "composite/A/000001",
        "eval": "composite/B/000007",
        "chain": ["sort_list", "square_all", "sum_pairs"],
    }
    assert report.eval_hit["shared_pair"] == 2  # the copy, and ("square_all", "sum_pairs") in #8
    assert report.blocking == 2  # same chain and (renamed but equal) same solution


def test_solution_normalisation_ignores_names_docstrings_comments_and_layout() -> None:
    a = (
        'def total(xs: list[int]) -> int:\n    """Sum."""\n'
        "    acc = 0\n    for x in xs:\n        acc += x\n    return acc\n"
    )
    b = "def f(values):\n    # running sum\n    s = 0\n    for v in values: s += v\n    return s\n"
    c = "def f(values):\n    s = 0\n    for v in values:\n        s -= v\n    return s\n"
    assert normalise_solution(a) == normalise_solution(b)
    assert normalise_solution(a) != normalise_solution(c)
    assert normalise_solution("def f(x): return len(x)") != normalise_solution("def f(x): return sum(x)")
    assert normalise_solution("not python at all (") == normalise_solution("not  python at all (  # c")


def test_exact_prompts_and_near_copies_of_a_solution_are_found() -> None:
    base = _composite("A", 0, ["a", "b"])
    long_body = "".join(f"    total = total + xs[{i}] * {i}\n" for i in range(12))
    near = dataclasses.replace(
        base, task_id="x/1", prompt="p1", solution="def g(xs):\n    total = 0\n" + long_body
    )
    near_eval = dataclasses.replace(
        near, task_id="y/1", prompt="p2", solution=near.solution + "    print(total)\n"
    )
    same_prompt = dataclasses.replace(base, task_id="y/2", solution="def h():\n    return 1\n", meta={})
    report = contamination([base, near], [near_eval, same_prompt])
    assert report.eval_hit["exact_prompt"] == 1 and report.examples["exact_prompt"][0]["eval"] == "y/2"
    assert report.eval_hit["ngram_overlap"] == 1 and report.examples["ngram_overlap"][0]["jaccard"] >= 0.5
    assert report.eval_hit["same_solution"] == 0
    strict = contamination([near], [near_eval], params=Params(ngram=8, jaccard=0.99))
    assert strict.eval_hit["ngram_overlap"] == 0


def _freeze(name: str, items: list[Item]) -> Any:
    return snapshot_freeze(version=mixture_create(name=name, by=None, seed=5, items=items).latest, by=None)


def test_training_on_the_eval_set_is_refused_and_a_disjoint_pair_passes(loaded: Any) -> None:
    train = _freeze(
        "train", [Item(source="atom_modify", ratio=Decimal(600)), Item(source="atom_base", ratio=Decimal(10))]
    )
    held_out = _freeze("eval", [Item(source="atom_base", ratio=Decimal(100), role="eval")])
    with pytest.raises(ContaminationError, match=f"train snapshot {train.short} contains problems") as exc:
        contamination_check(train=train, eval=held_out)
    assert (
        exc.value.report.eval_hit["exact_prompt"] == 10 and exc.value.report.eval_hit["same_solution"] == 10
    )
    assert exc.value.report.train_rows == 610 and exc.value.report.eval_rows == 100

    modify_only = _freeze("modify", [Item(source="atom_modify", ratio=Decimal(100))])
    zh_eval = _freeze(
        "zh-eval", [Item(source="prompt_translation:en2cn", ratio=Decimal(100), lang="zh", role="eval")]
    )
    report = contamination_check(train=modify_only, eval=zh_eval)
    assert report.blocking == 0
    assert ContaminationReport.objects.filter(train=modify_only, eval=zh_eval).count() == 1
    assert contamination_report(train=modify_only, eval=zh_eval).to_json() == report.to_json()  # cached
    with pytest.raises(ValueError, match="has no eval rows"):
        contamination_report(train=modify_only, eval=modify_only)

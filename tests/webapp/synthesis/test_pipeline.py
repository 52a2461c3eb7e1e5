"""The pure pipeline against the real library and a real sandbox pool: determinism,
validity, disjoint pools, generated code and prompts."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from sandbox import JudgeRequest, SandboxClient
from webapp.synthesis.pipeline import (
    PipelineAtom,
    SynthesisConfig,
    SynthesisResult,
    atoms_from_contents,
    library_version,
    synthesize,
)
from webapp.synthesis.pipeline.codegen import rename_function

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def result(atoms: list[PipelineAtom], sandbox: SandboxClient) -> SynthesisResult:
    config = SynthesisConfig(pools={"A": 30, "B": 10, "C": 10}, depth=(2, 3), seed=0)
    return synthesize(atoms, config, sandbox.judge_batch)


def _snapshot(result: SynthesisResult) -> list[tuple[Any, ...]]:
    return [(c.key, c.atoms, c.shape, c.solution, c.prompt_en, c.cases) for c in result.composites]


def test_the_same_seed_gives_identical_pools(
    atoms: list[PipelineAtom], sandbox: SandboxClient, result: SynthesisResult
) -> None:
    again = synthesize(atoms, SynthesisConfig(pools={"A": 30, "B": 10, "C": 10}, seed=0), sandbox.judge_batch)
    assert _snapshot(again) == _snapshot(result)
    assert again.counters == result.counters
    other = synthesize(atoms, SynthesisConfig(pools={"A": 30, "B": 10, "C": 10}, seed=1), sandbox.judge_batch)
    assert [c.atoms for c in other.composites] != [c.atoms for c in result.composites]


def test_pools_are_filled_with_keys_in_order(result: SynthesisResult) -> None:
    assert {p: len(c) for p, c in result.pools.items()} == {"A": 30, "B": 10, "C": 10}
    assert result.pools["A"][0].key == "composite/A/000001"
    assert result.pools["C"][-1].key == "composite/C/000010"
    assert not result.shortfall and not result.stopped
    assert all(2 <= c.depth <= 3 for c in result.composites)


def test_counters_account_for_every_draw(result: SynthesisResult) -> None:
    c = result.counters
    rejected = sum(v for k, v in c.items() if k.startswith("rejected: "))
    assert c["generated"] == c["valid"] + c["surplus"] + rejected
    assert c["valid"] == 50


def test_every_composite_passes_its_own_cases_in_the_sandbox(
    result: SynthesisResult, sandbox: SandboxClient
) -> None:
    requests = [
        JudgeRequest(program=c.solution, entry_point=c.entry_point, cases=c.cases) for c in result.composites
    ]
    verdicts = sandbox.judge_batch(requests)
    assert [str(v.verdict) for v in verdicts] == ["passed"] * len(requests)
    assert all(len(c.cases) >= 6 for c in result.composites)


def test_no_chain_is_in_two_pools(result: SynthesisResult) -> None:
    keys = {pool: {c.plan.key for c in comps} for pool, comps in result.pools.items()}
    assert not keys["A"] & keys["B"] and not keys["A"] & keys["C"] and not keys["B"] & keys["C"]
    assert len({c.plan.key for c in result.composites}) == len(result.composites)


def test_with_the_flag_no_ordered_pair_is_in_two_pools(
    atoms: list[PipelineAtom], sandbox: SandboxClient
) -> None:
    config = SynthesisConfig(pools={"A": 30, "B": 10, "C": 10}, depth=(2, 3), seed=3, disjoint_pairs=True)
    res = synthesize(atoms, config, sandbox.judge_batch)
    pairs = {pool: {p for c in comps for p in c.plan.pairs} for pool, comps in res.pools.items()}
    assert all(pairs.values())
    assert not pairs["A"] & pairs["B"] and not pairs["A"] & pairs["C"] and not pairs["B"] & pairs["C"]


def test_outputs_differ_between_composites_of_one_signature(result: SynthesisResult) -> None:
    prints = [c.fingerprint for c in result.composites]
    assert len(set(prints)) == len(prints)
    for c in result.composites:
        assert len({repr(case["expected"]) for case in c.cases}) >= 2


def test_the_reference_is_plain_python_with_a_typed_signature(result: SynthesisResult) -> None:
    for c in result.composites:
        assert "webapp" not in c.solution and "import sandbox" not in c.solution
        tree = ast.parse(c.solution)
        names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert names[-1] == c.entry_point
        assert len(names) == len(set(c.atoms)) + 1  # one helper per distinct atom
        fn = tree.body[-1]
        assert isinstance(fn, ast.FunctionDef) and fn.returns is not None
        assert all(a.annotation is not None for a in fn.args.args)
        assert f"\n{c.signature}:\n" in c.solution


def test_prompts_end_with_the_signature_and_the_chinese_one_is_chinese(result: SynthesisResult) -> None:
    for c in result.composites:
        assert c.prompt_en.endswith(f"\n\n{c.signature}:\n")
        assert c.prompt_zh.endswith(f"\n\n{c.signature}:\n")
        assert CJK.search(c.prompt_zh) and not CJK.search(c.prompt_en.replace("。", ""))


def test_all_three_shapes_appear(atoms: list[PipelineAtom], sandbox: SandboxClient) -> None:
    res = synthesize(atoms, SynthesisConfig(pools={"A": 40}, depth=(2, 4), seed=5), sandbox.judge_batch)
    shapes = {c.shape for c in res.composites}
    assert shapes == {"chain", "map", "branch"}
    branch = next(c for c in res.composites if c.shape == "branch")
    assert "    if " in branch.solution and "else:" in branch.solution
    assert "If the condition is True" in branch.prompt_en
    mapped = next(c for c in res.composites if c.shape == "map")
    assert " for item in " in mapped.solution and "each element" in mapped.prompt_en
    assert {c.depth for c in res.composites} <= {2, 3, 4}


def test_the_library_version_is_a_digest_of_the_atoms(atoms: list[PipelineAtom]) -> None:
    assert library_version(atoms) == library_version(list(reversed(atoms)))
    assert library_version(atoms) != library_version(atoms[1:])


def test_renaming_a_helper_touches_names_only() -> None:
    source = (
        "def gcd(a: int, b: int) -> int:\n"
        '    """gcd of a and b"""\n'
        "    return a if b == 0 else gcd(b, a % b)\n"
    )
    renamed = rename_function(source, "gcd", "gcd_helper")
    assert renamed.startswith("def gcd_helper(") and "gcd_helper(b, a % b)" in renamed
    assert '"""gcd of a and b"""' in renamed


# --- validity: hand-made atoms that fail each way ---------------------------------------------


def _atom(
    slug: str, body: str, *, returns: str = "int", prompt: str = "Do it."
) -> tuple[str, dict[str, Any]]:
    solution = f"def {slug}(n: int) -> {returns}:\n{body}\n"
    content = {
        "topic": "test",
        "entry_point": slug,
        "params": [{"name": "n", "type": "int"}],
        "returns": returns,
        "prompt_en": prompt,
        "prompt_zh": "做吧。",
        "solution": solution,
        "cases": [{"args": [3], "expected": None}],
    }
    return slug, content


HAND_MADE = dict(
    [
        _atom("inc", "    return n + 1"),
        _atom("boom", "    raise ValueError('no')"),
        _atom("nothing", "    n += 1"),
        _atom("always_one", "    return 1"),
    ]
)


def _run_hand_made(sandbox: SandboxClient, contents: dict[str, Any], **config: Any) -> SynthesisResult:
    config.setdefault("shapes", {"chain": 1.0})
    cfg = SynthesisConfig(pools={"A": 10}, depth=(2, 2), seed=0, max_draws_per_composite=5, **config)
    return synthesize(atoms_from_contents(contents), cfg, sandbox.judge_batch)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [("boom", "raises"), ("nothing", "returns_none"), ("always_one", "constant_output")],
)
def test_validity_rejects_each_failure(sandbox: SandboxClient, bad: str, reason: str) -> None:
    res = _run_hand_made(sandbox, {"inc": HAND_MADE["inc"], bad: HAND_MADE[bad]})
    assert res.counters[f"rejected: {reason}"] >= 1
    assert all(bad not in c.atoms for c in res.composites)
    assert [c.atoms for c in res.composites] == [["inc", "inc"]]  # the one valid chain
    assert res.shortfall == {"A": 9}


def test_a_chain_is_not_kept_twice_nor_one_that_computes_the_same(sandbox: SandboxClient) -> None:
    twin = dict([_atom("add_one", "    return 1 + n")])
    res = _run_hand_made(sandbox, {"inc": HAND_MADE["inc"], **twin})
    # Four chains exist (inc>inc, inc>add_one, add_one>inc, add_one>add_one); all add 2.
    assert len(res.composites) == 1
    assert res.counters["rejected: duplicate_outputs"] == 3
    assert res.counters["rejected: duplicate_chain"] >= 1


def test_a_run_asked_to_stop_ends_early(atoms: list[PipelineAtom], sandbox: SandboxClient) -> None:
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 1

    res = synthesize(atoms, SynthesisConfig(pools={"A": 500}, seed=0), sandbox.judge_batch, should_stop=stop)
    assert res.stopped and 0 < len(res.composites) < 500


def test_config_refuses_fewer_than_six_cases() -> None:
    with pytest.raises(ValueError, match="6 cases"):
        SynthesisConfig(cases=5)

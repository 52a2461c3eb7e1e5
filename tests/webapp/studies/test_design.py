"""Study templates resolve at every scale, arms differ only in declared factors, dependencies
order the arms, and the summary never claims more than its intervals."""

from __future__ import annotations

import pytest

from webapp.evaluation.metrics import Estimate, paired_difference
from webapp.studies.design import (
    SCALES,
    DesignError,
    design_parse,
    differences,
    template_names,
    template_text,
    undeclared,
)
from webapp.studies.summary import Comparison, sentence, study_summary

SMALL = """
name: small
factors: [method, init]
scales:
  tiny: {steps: 2, n: 2}
shared:
  train: data
  hyper: {max_steps: $steps, learning_rate: 1.0e-5}
  protocol: {n: $n, k: [1]}
mixtures:
  data: {seed: 0, sources: [{source: atom_base, ratio: 100}]}
  other: {seed: 0, sources: [{source: atom_base, ratio: 50}]}
evals:
  atoms: {sources: [{source: atom_base, ratio: 100, role: eval}]}
arms:
  rl: {method: grpo, init: "arm:sft"}
  sft: {method: sft}
"""


def test_every_shipped_template_resolves_at_every_scale_with_no_undeclared_difference() -> None:
    assert set(template_names()) >= {
        "sft_vs_rl",
        "composite_share",
        "modified_translated",
        "translation_pairs",
    }
    for name in template_names():
        for scale in SCALES:
            design = design_parse(template_text(name), scale=scale)
            assert undeclared(design) == [], (name, scale)
            assert design.reference in {a.name for a in design.arms}
    demo = design_parse(template_text("sft_vs_rl"), scale="demo", seeds=2)
    assert [a.name for a in demo.arms] == ["sft", "rl_from_sft", "rl_from_scratch"]
    assert demo.arm("rl_from_sft").depends_on == "sft" and demo.arm("rl_from_scratch").depends_on is None
    assert demo.arm("sft").seeds == [0, 1] and demo.arm("sft").hyper["max_steps"] == 20
    assert demo.pools is not None and demo.pools.sizes == {"A": 100, "B": 20, "C": 20}
    assert demo.in_domain == ["atoms"]
    # The composite-share arms differ only in the Composite_A ratio (and its absence at 0%).
    share = design_parse(template_text("composite_share"), scale="tiny")
    keys = {d.key for d in differences(share.arms, share.factors)}
    assert keys == {
        "train.sources[1].ratio",
        "train.sources[1].source",
        "train.sources[1].lang",
        "train.sources[1].role",
    }


def test_an_arm_that_differs_in_an_undeclared_setting_is_reported_with_each_arms_value() -> None:
    design = design_parse(SMALL, scale="tiny")
    assert [a.name for a in design.arms] == ["sft", "rl"]  # the dependency comes first
    assert undeclared(design) == []
    changed = design_parse(
        SMALL.replace("rl: {method: grpo,", "rl: {method: grpo, hyper: {learning_rate: 0.1},"), scale="tiny"
    )
    (diff,) = undeclared(changed)
    assert diff.key == "hyper.learning_rate" and diff.values == {"sft": 1.0e-5, "rl": 0.1}
    # The same settings under another mixture name are no difference; other data is one.
    renamed = design_parse(
        SMALL.replace("sft: {method: sft}", "sft: {method: sft, train: data}"), scale="tiny"
    )
    assert undeclared(renamed) == []
    other = design_parse(
        SMALL.replace("sft: {method: sft}", "sft: {method: sft, train: other}"), scale="tiny"
    )
    assert [d.key for d in undeclared(other)] == ["train.sources[0].ratio"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("tiny: {steps: 2, n: 2}", "tiny: {steps: 2}"), r"\$n is not set by the scale"),
        (('init: "arm:sft"', 'init: "arm:nobody"'), "must be 'base' or 'arm:<another arm>'"),
        (("sft: {method: sft}", 'sft: {method: sft, init: "arm:rl"}'), "cycle: rl -> sft -> rl"),
        (("sft: {method: sft}", "sft: {method: ppo}"), "method must be one of"),
        (("factors: [method, init]", "factors: []"), "declare what the arms may differ in"),
        (("train: data", "train: nothing"), "names no mixture"),
        (("ratio: 50", "ratio: 700"), r"mixtures.other: sources: ratio 700% is outside"),
        (("sft: {method: sft}", "sft: {method: sft, lr: 1}"), r"arms.sft: unknown key\(s\) lr"),
    ],
)
def test_a_broken_template_is_refused_with_where_and_why(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(DesignError, match=message):
        design_parse(SMALL.replace(*edit), scale="tiny")
    with pytest.raises(DesignError, match="scale 'huge' is not defined"):
        design_parse(SMALL, scale="huge")


def test_the_summary_says_no_detectable_difference_when_the_interval_contains_zero() -> None:
    unresolved = Comparison("rl", "sft", "composite_B", 1, Estimate(0.02, -0.01, 0.05, 40))
    resolved = Comparison("rl_from_sft", "sft", "composite_C", 1, Estimate(-0.125, -0.2, -0.05, 40))
    assert sentence(unresolved) == (
        "On composite_B, pass@1 of rl vs sft: no detectable difference "
        "(+2.0 points; 95% CI -1.0 to +5.0 points, 40 shared problems)."
    )
    assert sentence(resolved).endswith(
        "lower by 12.5 points (95% CI -20.0 to -5.0 points, 40 shared problems)."
    )
    text = study_summary([unresolved, resolved])
    assert text.splitlines()[0] == sentence(resolved) and "1 of 2 differences exclude 0" in text
    assert "cannot tell the arms apart" in study_summary([unresolved])
    assert "higher" not in study_summary([unresolved]) and "lower" not in study_summary([unresolved])


def test_a_paired_difference_feeds_the_summary_with_the_hand_computed_value() -> None:
    # Four shared problems, b - a = [1, 0, 1, 0] -> mean 0.5; "only_b" is not shared.
    a = {"p1": 0.0, "p2": 1.0, "p3": 0.0, "p4": 0.5}
    b = {"p1": 1.0, "p2": 1.0, "p3": 1.0, "p4": 0.5, "only_b": 1.0}
    d = paired_difference(a, b, resamples=500, seed=7)
    assert (d.value, d.problems) == (0.5, 4) and 0.0 <= d.low <= 0.5 <= d.high <= 1.0
    assert sentence(Comparison("b", "a", "s", 1, d)).startswith(
        "On s, pass@1 of b vs a: " + ("no detectable difference" if d.contains_zero else "higher by 50.0")
    )

"""Resolution before launch: the formula against hand-computed values, ``run_study --plan``
(which creates nothing) with an assumed and with a measured base rate, and a suite whose
benchmark is not imported."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from webapp.core.models import BackgroundJob, JobStatus
from webapp.evaluation.models import EvalRun, ProblemResult
from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.studies import power
from webapp.studies.design import arm_protocol, design_parse
from webapp.studies.models import Study, StudyUnit
from webapp.studies.services import StudyRefused, study_create
from webapp.training.models import TrainingRun


@pytest.fixture
def library(db: Any) -> Any:
    from webapp.atoms.services import library_load

    return library_load()


def _plan(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("run_study", str(path), "--scale", "tiny", "--plan", *args, stdout=out)
    return out.getvalue()


def _template_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _row_counts() -> dict[str, int]:
    models = (Study, StudyUnit, Mixture, MixtureVersion, Snapshot, EvalRun, TrainingRun, BackgroundJob)
    return {m.__name__: m.objects.count() for m in models}


def test_the_variance_of_pass_at_k_and_the_detectable_difference_match_hand_computation() -> None:
    # pass@1 from 2 samples at p = 0.25: p (1 - p) / n = 0.1875 / 2.
    assert power.pass_at_k_variance(0.25, 2, 1) == pytest.approx(0.09375)
    # pass@2 from 2 samples is "either passed": Bernoulli(1 - 0.75²) = Bernoulli(0.4375).
    assert power.pass_at_k_variance(0.25, 2, 2) == pytest.approx(0.4375 * 0.5625)
    side = power.Sampling(n=2, seeds=1)
    r = power.resolution(problems=20, k=1, base_rate=0.25, arm=side, reference=side)
    se = math.sqrt(2 * 0.09375 / 20)  # 0.0968
    assert r.se == pytest.approx(se)
    assert r.half_width == pytest.approx(1.959964 * se, rel=1e-5)  # 0.190
    # The docstring's example: the arm at p + MDE = 0.528 has v = 0.528 · 0.472 / 2, and the MDE
    # solves MDE = 1.96 · SE + 0.84 · SE_alt.
    alt = 0.25 + r.mde
    se_alt = math.sqrt((alt * (1 - alt) / 2 + 0.09375) / 20)  # 0.1045
    assert r.mde == pytest.approx(1.959964 * se + 0.841621 * se_alt, rel=1e-6)
    assert r.mde == pytest.approx(0.2777, abs=5e-4)
    assert not r.resolves_ten_points and r.detects(0.30) and not r.detects(-0.20)
    # Three seeds of ten samples on 1000 problems: 1.1 points (at 0.5 the alternative's
    # variance is smaller than the null's, so the MDE is just below 2.8016 · SE).
    wide = power.Sampling(n=10, seeds=3)
    big = power.resolution(problems=1000, k=1, base_rate=0.5, arm=wide, reference=wide)
    se_big = math.sqrt(2 * 0.25 / 30 / 1000)
    alt = 0.5 + big.mde
    se_alt = math.sqrt((alt * (1 - alt) / 30 + 0.25 / 30) / 1000)
    assert big.mde == pytest.approx(1.959964 * se_big + 0.841621 * se_alt, rel=1e-6)
    assert big.mde == pytest.approx(0.01144, abs=5e-5)
    assert big.resolves_ten_points
    # Near 0 the null has almost no variance, the alternative does: at p = 0.012 on 20
    # problems the MDE is 9.1 points, not the 6.9 points 2.8016 · SE would claim.
    low = power.resolution(problems=20, k=1, base_rate=0.012, arm=side, reference=side)
    assert low.mde == pytest.approx(0.0906, abs=5e-4)
    assert 2.801585 * low.se == pytest.approx(0.0681, abs=5e-4)
    # 5 problems at p = 0.5: even a 50-point difference is detected less than 80 % of the time.
    tiny = power.resolution(problems=5, k=1, base_rate=0.5, arm=side, reference=side)
    assert tiny.mde == 1.0 and power.verdict(tiny).startswith("detects no possible difference")


def test_plan_prints_the_hand_computed_difference_with_the_stated_assumption_and_creates_nothing(
    library: Any, template: str, tmp_path: Path
) -> None:
    path = _template_file(tmp_path, template)
    before = _row_counts()
    out = _plan(path)
    assert _row_counts() == before
    # 5 atoms, n = 2, one seed, no stored evaluation: p = 0.5 assumed.
    # SE = sqrt(2 · 0.25/2 / 5) = 0.2236; half-width 1.96 · SE = 43.8 points. Even an arm at 1.0
    # (δ = 0.5: SE_δ = sqrt(0.125 / 5) = 0.158) needs 1.96 · 0.2236 + 0.84 · 0.158 = 0.571 > 0.5.
    assert "atoms: 5 problems; base pass rate 0.500 (assumed: no stored evaluation" in out
    assert (
        "  rl vs sft, pass@1: detects no possible difference with 80% power (95% CI half-width "
        "43.8 points): CANNOT resolve 10 points"
    ) in out
    assert "  base model vs sft, pass@1: detects no possible difference" in out
    assert out.rstrip().endswith("This design cannot resolve 10 points in any of its 4 comparisons.")
    data = json.loads(_plan(path, "--json", "--base-rate", "0.25"))
    (suite,) = data["suites"]
    assert suite["base_rate"] == 0.25 and suite["base_rate_source"].startswith("given with --base-rate")
    rl = next(c for c in suite["comparisons"] if c["arm"] == "rl" and c["k"] == 1)
    alt = 0.25 + rl["mde"]
    se_alt = math.sqrt((alt * (1 - alt) / 2 + 0.1875 / 2) / 5)
    assert rl["mde"] == pytest.approx(
        1.959964 * math.sqrt(2 * 0.1875 / 2 / 5) + 0.841621 * se_alt, rel=1e-6
    )  # 0.538
    assert _row_counts() == before


def test_plan_takes_the_base_rate_from_the_base_models_evaluation_of_the_same_snapshot_and_protocol(
    library: Any, researcher: Any, template: str, tmp_path: Path
) -> None:
    design = design_parse(template, scale="tiny")
    suite = design.evals["atoms"]
    mixture = mixture_create(
        name="atoms suite", by=researcher, seed=suite.seed, tokenizer=suite.tokenizer, items=suite.items
    )
    snapshot = snapshot_freeze(version=mixture.latest, by=researcher)
    protocol = arm_protocol(design.arms[0])
    base = EvalRun.objects.create(
        model=design.arms[0].model,
        protocol=protocol.to_dict(),
        protocol_hash=protocol.comparable_hash,
        status=JobStatus.SUCCEEDED,
    )
    base.snapshots.add(snapshot)
    for i, c in enumerate([2, 1, 0, 0, 0]):  # 3 of 10 samples passed: p = 0.3
        ProblemResult.objects.create(run=base, snapshot=snapshot, task_id=f"t{i}", n=2, c=c)
    # A newer evaluation under another protocol (n = 4) is not the same protocol: ignored.
    other = protocol.to_dict() | {"n": 4}
    later = EvalRun.objects.create(
        model=design.arms[0].model, protocol=other, protocol_hash="0" * 16, status=JobStatus.SUCCEEDED
    )
    later.snapshots.add(snapshot)
    ProblemResult.objects.create(run=later, snapshot=snapshot, task_id="t0", n=4, c=4)

    out = _plan(_template_file(tmp_path, template))
    # 3 of 10 samples passed: p = (3 + 0.5) / (10 + 1) = 0.318.
    assert f"base pass rate 0.318 (measured: eval {base.pk} of " in out
    assert f"snapshot {snapshot.sha256[:12]}, same protocol, 3 of 10 samples passed" in out
    # SE = sqrt(2 · 0.318 · 0.682/2 / 5) = 0.2083, half-width 40.8; the arm at 0.318 + 0.560
    # has SE_δ = sqrt((0.878 · 0.122 + 0.318 · 0.682)/2 / 5) = 0.180: 1.96 · 0.2083 + 0.84 · 0.180 = 0.560.
    assert "  rl vs sft, pass@1: detects 56.0 points with 80% power (95% CI half-width 40.8 points)" in out


HUMANEVAL_SUITE = """
  humaneval:
    scales: [SCALES]
    seed: 0
    tokenizer: whitespace
    sources: [{source: "benchmark:humaneval", ratio: 100, role: eval}]
arms:"""


def test_a_benchmark_suite_that_is_not_imported_is_named_with_its_import_command(
    library: Any, researcher: Any, template: str, tmp_path: Path
) -> None:
    text = template.replace("\narms:", HUMANEVAL_SUITE.replace("SCALES", "tiny"), 1)
    out = _plan(_template_file(tmp_path, text))
    hint = "manage.py import_benchmark humaneval ../shared/data/humaneval/HumanEval.jsonl.gz"
    assert f"humaneval: benchmark 'humaneval' is not imported; import it first: {hint}" in out
    with pytest.raises(StudyRefused, match="import_benchmark humaneval"):
        study_create(by=researcher, template="t", text=text, scale="tiny", advance=False)
    assert not Study.objects.exists()
    # Declared for the full scale only, the suite is not part of the tiny study.
    only_full = template.replace("\narms:", HUMANEVAL_SUITE.replace("SCALES", "full"), 1).replace(
        "  tiny: {n: 2}", "  tiny: {n: 2}\n  full: {n: 2}"
    )
    assert "humaneval" not in design_parse(only_full, scale="tiny").evals
    study_create(by=researcher, template="t", text=only_full, scale="tiny", advance=False)


def test_the_new_study_page_shows_the_plan_and_refreshes_it_for_the_chosen_scale(
    library: Any, researcher: Any, client: Any
) -> None:
    client.force_login(researcher)
    before = _row_counts()
    page = client.get("/studies/new/").content.decode()
    assert 'id="study-plan"' in page and "sft_vs_rl at scale tiny" in page
    # The fragment htmx asks for when the scale changes: demo, 20 problems a suite, p = 0.5.
    fragment = client.get(
        "/studies/new/", {"template": "sft_vs_rl", "scale": "demo"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="study-plan">')
    assert "This design cannot resolve 10 points in any of its 9 comparisons." in fragment
    assert "30.4 points" in fragment and "21.9 points" in fragment  # MDE and half-width at P = 20
    assert _row_counts() == before

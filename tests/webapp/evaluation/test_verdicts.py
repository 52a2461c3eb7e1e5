"""One verdict vocabulary (issue 20): the same program, judged by the real sandbox through an
RL reward function and through an evaluation, falls in the same category, and pages name
and colour each category the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox import Verdict
from sandbox.categories import BY_VERDICT, Category
from training_worker.contracts import ProgressEvent
from training_worker.rewards import CATEGORIES, SandboxReward
from webapp.core.categories import CATEGORY_CHOICES, CATEGORY_COLOURS, CATEGORY_LABELS
from webapp.core.judging import sandbox_client
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Generation
from webapp.evaluation.services import apply_eval_event, evalrun_create, evalrun_judge

from .conftest import answer, write_generations

pytestmark = pytest.mark.django_db

#: Programs (``{name}``: the entry point) and the category both sides must give them.
PROGRAMS: dict[str, tuple[str, Category]] = {
    # Out of memory: the sandbox reports it as ``crashed``; the RL side used to say runtime_error.
    "crashes": (
        "def {name}(*args, **kwargs):\n    block = bytearray(10**10)\n    return 1\n",
        Category.CRASHED,
    ),
    "raises": ("def {name}(*args, **kwargs):\n    return [][1]\n", Category.RUNTIME_ERROR),
    "loops": ("def {name}(*args, **kwargs):\n    while True:\n        pass\n", Category.TIMEOUT),
    # Killing itself with a signal reaches for the judge's machinery: tampering, not a crash.
    "kills_itself": (
        "import os\ndef {name}(*args, **kwargs):\n    os.kill(os.getpid(), 9)\n",
        Category.TAMPERING,
    ),
    "empty": ("", Category.NO_CODE),
}
PROTOCOL = Protocol(n=len(PROGRAMS), ks=(1,), timeout_s=2.0)


def test_every_sandbox_verdict_has_a_category_and_every_category_a_label_and_a_colour() -> None:
    assert set(BY_VERDICT) == set(Verdict)
    assert set(CATEGORY_LABELS) == set(CATEGORY_COLOURS) == set(Category)
    assert len(set(CATEGORY_COLOURS.values())) == len(Category)  # no two look alike
    assert [v for v, _ in CATEGORY_CHOICES] == list(CATEGORIES)  # the rollouts' names, in order


def _evaluated(artifacts: Path, suite: Any) -> dict[str, Generation]:
    """One problem of ``suite`` answered by every program, generated and judged as an
    evaluation is: the worker's events applied, then the judging job."""
    snapshot, records = suite
    run = evalrun_create(by=None, model="default", snapshots=[snapshot], protocol=PROTOCOL, dispatch=False)
    kinds = [f"code:{code}" for code, _ in PROGRAMS.values()]
    uri = write_generations(
        artifacts, run.artifact_prefix, [(snapshot, records[:1])], lambda r, i: kinds[i], n=len(kinds)
    )
    finished = {"generations_uri": uri, "count": len(kinds)}
    assert apply_eval_event(ProgressEvent(run.job_id, 1, "finished", payload=finished)) == "applied finished"
    evalrun_judge(run_pk=run.pk)
    judged = EvalRun.objects.get(pk=run.pk)
    assert judged.status == "succeeded", judged.error
    rows = Generation.objects.filter(run=run).order_by("sample_index")
    return dict(zip(PROGRAMS, rows, strict=True))


def test_one_program_falls_in_one_category_through_an_rl_reward_and_through_evaluation(
    artifacts: Path, atom_suite: Any
) -> None:
    _, records = atom_suite
    record = records[0]
    completions = [answer(record, f"code:{code}") for code, _ in PROGRAMS.values()]
    reward = SandboxReward(records, sandbox_client(), timeout_s=PROTOCOL.timeout_s)
    rollouts = dict(
        zip(PROGRAMS, reward.judge(completions, [record.task_id] * len(completions)), strict=True)
    )
    evaluated = _evaluated(artifacts, atom_suite)
    for name, (_, expected) in PROGRAMS.items():
        rl, ev = rollouts[name], evaluated[name]
        assert (rl.category, ev.category) == (expected, expected), (name, rl.result.verdict, ev.verdict)
        assert rl.error_type == ev.error_type, name
        assert rl.reward == 0.0, name
    assert evaluated["crashes"].verdict == Verdict.CRASHED
    assert evaluated["raises"].error_type == "IndexError"
    assert rollouts["kills_itself"].tampering == "machinery"


def test_pages_show_a_category_with_its_label_and_colour() -> None:
    from django.template import Context, Template

    html = Template("{% category 'crashed' %}|{% category 'runtime_error' %}|{% category '' %}").render(
        Context()
    )
    crashed, runtime, empty = html.split("|")
    assert "Crashed" in crashed and CATEGORY_COLOURS[Category.CRASHED] in crashed
    assert "Runtime error" in runtime and CATEGORY_COLOURS[Category.RUNTIME_ERROR] in runtime
    assert "style=" not in html  # the Content-Security-Policy allows no inline style
    assert "data-category" not in empty


def test_the_rollout_chart_names_and_colours_categories_as_the_evaluation_pages_do(researcher: Any) -> None:
    from django.template import Context, Template

    from tests.webapp.training.conftest import make_snapshot
    from webapp.training.charts import run_charts
    from webapp.training.models import TrainingRun
    from webapp.training.progress import event_apply

    run = TrainingRun.objects.create(
        method="grpo", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={}, max_steps=3, total=3, attempt=1, created_by=researcher,
    )  # fmt: skip
    counts = {"passed": 1, "crashed": 2, "no_code": 1}
    event_apply(
        ProgressEvent(run.job_id, 1, "generations", 1, {"uri": "/r.jsonl", "rows": 4, "categories": counts})
    )
    [chart] = [c for c in run_charts(run) if c.id == "categories"]
    series = {s["key"].removeprefix("rollouts/"): s for s in chart.to_json()["series"]}
    assert list(series) == list(CATEGORIES)  # every category, in the vocabulary's order
    assert series["crashed"]["y"] == [0.5] and series["no_code"]["y"] == [0.25]
    for name in CATEGORIES:
        chip = Template("{% category name %}").render(Context({"name": name}))
        assert series[name]["label"] in chip and series[name]["colour"] in chip, name

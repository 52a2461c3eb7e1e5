"""The run page's reward chart draws a KL axis only where there is a KL curve to read: not
with beta 0, nor for a run that ended without logging one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.webapp.training.conftest import make_snapshot
from webapp.core.models import JobStatus
from webapp.training.charts import run_charts
from webapp.training.models import MetricPoint, TrainingRun

pytestmark = pytest.mark.django_db


def _rl_run(researcher: Any, *, beta: float, status: str, kl: bool) -> TrainingRun:
    run = TrainingRun.objects.create(
        method="grpo", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={"beta": beta, "max_steps": 2}, max_steps=2, total=2, attempt=1, created_by=researcher,
        status=status,
    )  # fmt: skip
    for step in (1, 2):
        MetricPoint.objects.create(run=run, name="reward", step=step, value=0.5)
        if kl:
            MetricPoint.objects.create(run=run, name="kl", step=step, value=0.01 * step)
    return run


def _reward(run: TrainingRun) -> dict[str, Any]:
    (spec,) = [c for c in run_charts(run) if c.id == "reward"]
    return spec.to_json()


@pytest.mark.parametrize(
    ("beta", "status", "kl", "axes", "says"),
    [
        (0.0, JobStatus.SUCCEEDED, False, ["mean reward"], "the KL penalty (beta) is 0."),
        (0.0, JobStatus.RUNNING, True, ["mean reward"], "the KL penalty (beta) is 0."),
        (0.04, JobStatus.SUCCEEDED, False, ["mean reward"], "the run logged none."),
        (0.04, JobStatus.RUNNING, False, ["mean reward", "KL"], ""),
        (0.04, JobStatus.SUCCEEDED, True, ["mean reward", "KL"], ""),
    ],
)
def test_the_reward_chart_has_a_kl_axis_only_with_a_kl_curve(
    researcher: Any, beta: float, status: str, kl: bool, axes: list[str], says: str
) -> None:
    spec = _reward(_rl_run(researcher, beta=beta, status=status, kl=kl))
    assert [a["title"] for a in spec["y_axes"]] == axes
    assert [s["key"] for s in spec["series"]] == ["reward", "kl"][: len(axes)]
    assert spec["description"].endswith(says)


def test_the_run_page_of_a_beta_0_run_draws_no_kl_axis(client: Client, researcher: Any) -> None:
    run = _rl_run(researcher, beta=0.0, status=JobStatus.SUCCEEDED, kl=False)
    client.force_login(researcher)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    data = page.split('id="chart-reward-spec" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert [a["title"] for a in json.loads(data)["y_axes"]] == ["mean reward"]
    assert "Mean reward and KL" not in page

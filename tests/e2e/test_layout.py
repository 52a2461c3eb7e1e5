"""Pages a researcher reads at 1,280 px fit at 1,280 px: the evaluation comparison (its
by-topic and by-atom tables), a run's rollouts with a long completion opened, and the run
page (its event log numbers past 9 whole). The pass@k chart's k axis has ticks only at the
k measured. Screenshots go to $ATOMLAB_SCREENSHOTS when set."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_evaluation import judged_run, shot
from tests.factories import UserFactory
from tests.webapp.evaluation.conftest import freeze
from tests.webapp.training.conftest import make_snapshot
from webapp.core.jobs import JobBusy
from webapp.core.models import JobStatus
from webapp.evaluation.models import EvalRun
from webapp.training.models import MetricPoint, RunEvent, TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


#: The elements whose right edge is past the viewport's (what a failed fit names).
STICKING_OUT = """() => {
  const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5)
    .map(e => e.tagName + '#' + e.id + '.' + e.className)
    .join(', ');
}"""


def _overflow(page: Any) -> str:
    """What sticks out to the right of the viewport (empty when nothing does)."""
    return str(page.evaluate(STICKING_OUT))


def _fits(page: Any) -> None:
    assert page.evaluate(FITS), f"wider than {WIDTH} px: {_overflow(page)}"


def _judged(root: Path, snapshot: Any, records: list[Any], plan: Any) -> EvalRun:
    """An evaluation judged here, or by the cpu worker an earlier test of the session left
    running (it takes the judging job sent on commit first; this waits for it to finish)."""
    try:
        return judged_run(root, snapshot, records, plan)
    except JobBusy:
        run = EvalRun.objects.latest("pk")
        deadline = time.monotonic() + 120
        while not EvalRun.objects.get(pk=run.pk).finished:
            assert time.monotonic() < deadline, "the worker did not finish judging in 120 s"
            time.sleep(0.2)
        run.refresh_from_db()
        return run


@pytest.fixture
def rita(page: Any, live_server: Any) -> Any:
    UserFactory(username="rita", role="researcher")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_the_comparison_and_its_breakdown_tables_fit_and_k_ticks_are_whole(
    rita: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from webapp.atoms.services import library_load
    from webapp.mixtures.storage import read_snapshot

    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    library_load()
    snapshot = freeze("layout", "atom_base", "10")
    records = list(read_snapshot(snapshot.sha256))
    a = _judged(tmp_path / "artifacts", snapshot, records, lambda r, i: "reference" if i == 0 else "wrong")
    b = _judged(tmp_path / "artifacts", snapshot, records, lambda r, i: "reference" if i < 3 else "raises")
    page = rita
    page.goto(f"{live_server.url}/evaluations/compare/?a={a.pk}&b={b.pk}&snapshot={snapshot.pk}&k=1")
    page.wait_for_selector("table[data-breakdown]")
    _fits(page)
    for table in page.locator("table[data-breakdown]").all():
        # Nothing hidden to the right inside its card either (no sideways scrolling to read B − A).
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1"), table.get_attribute(
            "data-breakdown"
        )
    shot(page, "layout-compare")

    page.goto(f"{live_server.url}/evaluations/table/")
    page.wait_for_selector("#passk-charts canvas")
    chart = f"passk-{snapshot.pk}"
    wait_until(page, f"!!window.Chart && !!Chart.getChart(document.querySelector('#chart-{chart} canvas'))")
    ticks = page.evaluate(f"Chart.getChart(document.querySelector('#chart-{chart} canvas')).scales.x.ticks")
    assert [t["value"] for t in ticks] == [1, 5]
    _fits(page)
    shot(page, "layout-passk")


def _rl_run(researcher: Any, folder: Path) -> TrainingRun:
    run = TrainingRun.objects.create(
        method="grpo", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={"beta": 0.0, "max_steps": 12, "save_steps": 6}, max_steps=12, total=12, step=12,
        attempt=1, created_by=researcher, status=JobStatus.SUCCEEDED,
    )  # fmt: skip
    long_line = "    return " + " + ".join(f"values[{i}] * weights[{i}]" for i in range(60))
    rows = [
        {
            "task_id": f"atom_base/rotate_left/{i}",
            "category": "passed" if i else "wrong_answer",
            "verdict": "passed" if i else "failed",
            "error_type": "",
            "tampering": None,
            "reward": 1.0 if i else 0.0,
            "cases_passed": 5 if i else 2,
            "cases_total": 5,
            "completion": "```python\ndef weighted(values, weights):\n" + long_line + "\n```",
            "error": "AssertionError: " + "x" * 300 if not i else "",
        }
        for i in range(3)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "step-000012.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = [("started", 0, {"host": "h", "pid": 1})]
    events += [("log", s, {"message": f"step {s}: reward 0.5, {'k' * 30}"}) for s in range(1, 13)]
    events += [("generations", 12, {"uri": str(folder / "step-000012.jsonl"), "rows": 3, "categories": {}})]
    for seq, (kind, step, payload) in enumerate(events, 1):
        RunEvent.objects.create(run=run, seq=seq, type=kind, step=step, payload=payload, timestamp=seq)
    for step in range(1, 13):
        MetricPoint.objects.create(run=run, name="reward", step=step, value=step / 12)
    return run


def test_the_run_page_and_a_long_rollout_fit_and_the_log_numbers_are_whole(
    rita: Any, live_server: Any, tmp_path: Path
) -> None:
    from webapp.accounts.models import User

    run = _rl_run(User.objects.get(username="rita"), tmp_path / "rollouts")
    page = rita
    page.goto(f"{live_server.url}/runs/{run.pk}/")
    page.wait_for_selector("#run-log li[data-seq='13']")
    _fits(page)
    # The list scrolls, which clips markers outside its box: "14." must fit in its padding.
    room = page.evaluate(
        """() => { const ol = document.querySelector('#run-log'), li = ol.querySelector('li');
        const s = getComputedStyle(li), c = document.createElement('canvas').getContext('2d');
        c.font = s.fontSize + ' ' + s.fontFamily;
        return [parseFloat(getComputedStyle(ol).paddingLeft), c.measureText('14. ').width]; }"""
    )
    assert room[0] >= room[1], room
    # beta 0: the reward chart has one axis, and says why.
    assert "the KL penalty (beta) is 0" in page.inner_text("#chart-reward")
    shot(page, "layout-run")

    page.goto(f"{live_server.url}/runs/{run.pk}/rollouts/?step=12")
    page.locator("#rollouts details").first.click()
    page.wait_for_selector("#rollouts details[open] pre")
    _fits(page)
    first = page.locator("#rollouts tbody tr").first
    assert first.locator("td").nth(1).inner_text().strip() == "Wrong answer"  # the verdict once
    shot(page, "layout-rollouts")

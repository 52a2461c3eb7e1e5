"""The run desk in Chromium at 1,280 px: tick three runs on the runs list, see their curves
overlaid (one series per run on the loss chart), switch EMA smoothing, the log scale and wall
time on x, and tag a run in place (a bad tag refused next to the field, the text kept), then
filter the list by that tag and remove the filter. Screenshots go to /work/shots/overlay/
(or $SHOTS_DIR)."""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot
from webapp.training.models import MetricPoint, RunEvent, TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/work/shots/overlay"))
STEPS = 60


@pytest.fixture
def wide(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


def _run(owner: Any, index: int, method: str = "grpo") -> TrainingRun:
    mixture = Mixture.objects.create(name=f"m-{uuid.uuid4().hex[:8]}")
    version = MixtureVersion.objects.create(mixture=mixture, number=1)
    sha = uuid.uuid4().hex * 2
    snapshot = Snapshot.objects.create(
        version=version, sha256=sha, recipe={}, path="x.jsonl", size_bytes=0, rows=0
    )
    run = TrainingRun.objects.create(
        method=method, model="default", train_snapshot=snapshot, created_by=owner, status="succeeded",
        name=f"lr {index}e-5", step=STEPS, max_steps=STEPS,
    )  # fmt: skip
    points = []
    for s in range(1, STEPS + 1):
        noise = 0.3 * math.sin(s * 1.7 + index)  # jagged, so smoothing visibly changes it
        points += [
            MetricPoint(run=run, name="loss", step=s, value=(2.0 + index) / s + 0.05 + abs(noise) * 0.2),
            MetricPoint(run=run, name="reward", step=s, value=0.1 * index + s / STEPS * 0.5 + noise * 0.1),
            MetricPoint(run=run, name="rollouts/passed", step=s, value=min(1.0, s / STEPS + 0.05 * index)),
        ]
    MetricPoint.objects.bulk_create(points)
    RunEvent.objects.bulk_create(
        [RunEvent(run=run, seq=1, type="started", step=0, payload={}, timestamp=1000.0)]
        + [
            RunEvent(
                run=run, seq=s + 1, type="metrics", step=s, payload={}, timestamp=1000.0 + 6 * s * (index + 1)
            )
            for s in range(1, STEPS + 1)
        ]
    )
    return run


def chart_js(page: Any, chart: str, expression: str) -> Any:
    """``expression`` about the Chart.js chart of ``#chart-<chart>`` (``c``)."""
    return page.evaluate(
        f"(() => {{ const c = Chart.getChart(document.querySelector('#chart-{chart} canvas'));"
        f" return {expression}; }})()"
    )


def no_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{page.url} is {width} px wide"


def test_overlay_three_runs_switch_views_then_tag_and_filter_in_place(wide: Any, live_server: Any) -> None:
    page = wide
    rita = UserFactory(username="rita", role="researcher")
    runs = [_run(rita, i) for i in range(3)]
    other = _run(rita, 3, method="sft")
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    SHOTS.mkdir(parents=True, exist_ok=True)

    # Pick three runs on the list.
    page.goto(f"{live_server.url}/runs/")
    for run in runs:
        page.check(f'input[name=run][value="{run.pk}"]')
    page.click("#overlay-selected")
    page.wait_for_url("**/runs/overlay/?*")
    wait_until(page, "document.querySelector('#chart-loss')?.dataset.state === 'static'")
    assert page.get_attribute("#chart-loss", "data-series") == "3"
    labels = chart_js(page, "loss", "c.data.datasets.map(d => d.label)")
    assert labels == [f"run {r.pk} · GRPO · lr {i}e-5" for i, r in enumerate(runs)]
    assert f"run {other.pk}" not in page.inner_text("#overlay-runs")
    colours = chart_js(page, "loss", "c.data.datasets.map(d => d.borderColor)")
    assert len(set(colours)) == 3
    assert chart_js(page, "reward", "c.data.datasets.map(d => d.borderColor)") == colours
    raw_first = chart_js(page, "loss", "c.data.datasets[0].data.map(p => p.y)")
    no_overflow(page)

    # EMA: the smoothed curve is drawn, the raw one stays beside it (faint); the data stay raw.
    page.locator("#cc-ema").fill("0.9")
    wait_until(page, "document.querySelector('#chart-loss').dataset.ema === '0.9'")
    assert chart_js(page, "loss", "c.data.datasets.filter(d => d.shadow).length") == 3
    smoothed = chart_js(page, "loss", "c.data.datasets[0].data.map(p => p.y)")
    assert len(smoothed) == STEPS and smoothed != raw_first
    assert chart_js(page, "loss", "c.data.datasets.find(d => d.shadow).data.map(p => p.y)") == raw_first
    assert page.get_attribute("#chart-loss", "data-points") == str(3 * STEPS)
    assert page.get_attribute("#chart-reward", "data-ema") == "0.9"  # every chart on the page
    page.click("#chart-loss .chart-data summary")
    first_cell = page.locator("#chart-loss .chart-data tbody td").first.inner_text()
    assert float(first_cell) == pytest.approx(raw_first[0], rel=1e-3)

    # Log scale on y.
    page.check("#cc-log")
    wait_until(page, "document.querySelector('#chart-loss').dataset.log === 'true'")
    assert chart_js(page, "loss", "c.options.scales.y.type") == "logarithmic"

    # Wall time on x: minutes since each run's first event, from the worker's timestamps.
    page.check("#cc-x-alt")
    wait_until(page, "document.querySelector('#chart-loss').dataset.x === 'alt'")
    xs = chart_js(page, "loss", "c.data.datasets.filter(d => !d.shadow).map(d => d.data[0].x)")
    assert xs == pytest.approx([6 * (i + 1) / 60 for i in range(3)])
    assert "wall time" in chart_js(page, "loss", "c.options.scales.x.title.text")
    page.screenshot(path=str(SHOTS / "overlay.png"), full_page=True)
    no_overflow(page)

    # Tag a run in place from the list: a bad tag is refused next to the field, text kept.
    target = runs[1]
    page.goto(f"{live_server.url}/runs/")
    row = f'tr[data-run="{target.pk}"]'
    page.click(f"{row} .edit-labels")
    page.fill(f"{row} #id_tags", "sweep-a Bad!")
    page.fill(f"{row} #id_note", "the one with the warm-up")
    page.click(f"{row} button[type=submit]")
    page.wait_for_selector(f'{row} [data-field="tags"] .field-error')
    assert "“bad!” is not a tag" in page.inner_text(f'{row} [data-field="tags"]')
    assert page.input_value(f"{row} #id_tags") == "sweep-a Bad!"
    assert page.input_value(f"{row} #id_note") == "the one with the warm-up"
    page.screenshot(path=str(SHOTS / "runs-list-tag-refused.png"), full_page=True)
    no_overflow(page)
    page.fill(f"{row} #id_tags", "sweep-a, baseline")
    page.fill(f"{row} #id_group", "warmup")
    page.click(f"{row} button[type=submit]")
    page.wait_for_selector(f'{row} .labels[data-tags="baseline,sweep-a"]')
    target.refresh_from_db()
    assert target.tags == ["baseline", "sweep-a"] and target.group == "warmup"

    # Filter by the tag (typed in the filter form), see the filter, remove it.
    page.fill("#f-tag", "sweep-a")
    page.press("#f-tag", "Tab")
    wait_until(page, "document.querySelectorAll('#results tbody tr[data-run]').length === 1")
    assert page.is_visible(f"{row}")
    assert "tag sweep-a" in page.inner_text("#label-filters")
    page.screenshot(path=str(SHOTS / "runs-list-filtered.png"), full_page=True)
    no_overflow(page)
    page.click("#label-filters a")
    wait_until(page, "document.querySelectorAll('#results tbody tr[data-run]').length === 4")

    # The run's page shows them, editable by its owner.
    page.goto(f"{live_server.url}/runs/{target.pk}/")
    assert "the one with the warm-up" in page.inner_text(".labels")
    assert page.is_visible(".labels .edit-labels")
    page.screenshot(path=str(SHOTS / "run-page-labels.png"), full_page=True)
    no_overflow(page)
    page.goto(f"{live_server.url}/runs/")
    page.screenshot(path=str(SHOTS / "runs-list.png"), full_page=True)

    # The evaluations list carries them too, filtered the same way.
    from webapp.evaluation.models import EvalRun

    tagged = EvalRun.objects.create(
        model=f"run:{target.pk}", protocol={"n": 1, "temperature": 0.0}, created_by=rita,
        tags=["sweep-a"], group="warmup", note="greedy pass@1 of the warm-up run",
    )  # fmt: skip
    EvalRun.objects.create(model="default", protocol={"n": 1, "temperature": 0.0}, created_by=rita)
    page.goto(f"{live_server.url}/evaluations/")
    page.click(f'tr[data-run="{tagged.pk}"] .labels a.tag')
    wait_until(page, "document.querySelectorAll('#eval-runs tbody tr[data-run]').length === 1")
    assert "tag sweep-a" in page.inner_text("#label-filters")
    page.screenshot(path=str(SHOTS / "evaluations-list-filtered.png"), full_page=True)
    no_overflow(page)
    assert violations(page, console) == []

"""Forms and flows in Chromium (issue 22): a refused launch lists every mistake at the top,
each a link to its field; a run's page says "Cancelling…", then its final state, and offers
"RL from this run" as soon as the run has ended, without a reload. The run's end arrives as
the GPU worker's events do, through ``progress.event_apply``. Screenshots (1280 px) go to
``ATOMLAB_SHOTS`` (default var/shots)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from tests.webapp.training.conftest import make_snapshot
from training_worker.contracts import ProgressEvent
from webapp.atoms.models import Atom, ValidationStatus
from webapp.atoms.services import library_load
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, SuiteScore
from webapp.mixtures.models import Benchmark
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create as synthesis_run
from webapp.synthesis.services import run_execute
from webapp.training.models import TrainingRun
from webapp.training.progress import event_apply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "var/shots"))


@pytest.fixture
def site(settings: Any, live_server: Any, tmp_path: Path) -> Any:
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    settings.VAR_DIR = tmp_path
    return live_server


@pytest.fixture
def desk(page: Any, site: Any) -> Any:
    """Rita logged in, at 1280 px, with the CSP watcher on."""
    UserFactory(username="rita", role="researcher")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(WATCH)
    login(page, site, "rita")
    page.wait_for_url(f"{site.url}/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{name}: the page is {width} px wide"


def test_a_refused_launch_lists_every_mistake_at_the_top_linking_to_each_field(desk: Any, site: Any) -> None:
    page = desk
    snapshot = make_snapshot("train", name="tiny-train")
    make_snapshot("eval", name="tiny-held-out")
    page.goto(f"{site.url}/runs/launch/?preset=sft-cpu")
    page.fill("#id_model", "/no/such/model")
    page.select_option("#id_train_snapshot", snapshot.sha256)
    page.fill("#id_learning_rate", "0")
    page.fill("#id_extra", "bogus=1")
    page.click("#launch-form button[type=submit]")
    page.wait_for_selector("#not-saved")
    # One submit, three mistakes, all listed where the eye lands first.
    links = page.eval_on_selector_all("#not-saved a", "as => as.map(a => a.getAttribute('href'))")
    assert sorted(links) == ["#id_extra", "#id_learning_rate", "#id_model"], links
    assert page.evaluate("document.querySelector('#not-saved').getBoundingClientRect().bottom") < 800
    shot(page, "launch-refused")
    page.click("#not-saved a[href='#id_extra']")
    wait_until(page, "location.hash === '#id_extra'")
    box = page.evaluate("document.querySelector('#id_extra').getBoundingClientRect().top")
    assert 0 <= box < 800  # the link brings the field into view
    assert "bogus: unknown field" in page.inner_text('[data-field="extra"]')
    assert page.input_value("#id_model") == "/no/such/model"  # nothing typed is lost
    assert TrainingRun.objects.count() == 0
    assert violations(page, []) == []


def _running(snapshot: Any, researcher: Any, **fields: Any) -> TrainingRun:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=snapshot,
        status=JobStatus.RUNNING, attempt=1, created_by=researcher, max_steps=20, **fields,
    )  # fmt: skip
    event_apply(ProgressEvent(f"run-{run.pk}", 1, "started", 0, {"kind": "sft", "host": "h", "pid": 1}))
    return run


def _badge(page: Any) -> str:
    return str(page.inner_text("#run-badge")).strip()


def test_the_run_page_follows_a_cancel_and_an_end_without_a_reload(desk: Any, site: Any) -> None:
    page = desk
    rita = get_user_model().objects.get(username="rita")
    snapshot = make_snapshot("train", name="tiny-train")
    run = _running(snapshot, rita)
    event_apply(ProgressEvent(f"run-{run.pk}", 2, "metrics", 4, {"loss": 1.25, "learning_rate": 2e-6}))
    page.goto(f"{site.url}/runs/{run.pk}/")
    assert "learning_rate: 2e-6" in page.inner_text("#run-status")
    page.click("#cancel-run")
    wait_until(page, "document.querySelector('#run-badge')?.textContent.trim() === 'Cancelling…'")
    assert page.is_disabled("#cancel-run")
    shot(page, "run-cancelling")
    page.evaluate("window.sameDocument = true")
    payload = {"checkpoint": f"/a/run-{run.pk}/checkpoints/checkpoint-5"}
    event_apply(ProgressEvent(f"run-{run.pk}", 3, "cancelled", 5, payload))
    wait_until(page, "document.querySelector('#run-badge')?.textContent.trim() === 'Cancelled'", timeout_s=30)
    assert page.evaluate("window.sameDocument === true")  # the polled part changed, not the page
    body = page.inner_text("body")
    assert "Cancel asked" not in body and "Cancelling" not in body
    assert page.is_visible("#resume-run")
    shot(page, "run-cancelled")

    other = _running(snapshot, rita, name="to the end")
    page.goto(f"{site.url}/runs/{other.pk}/")
    assert page.locator("#start-from").count() == 0
    page.evaluate("window.sameDocument = true")
    payload = {"checkpoint": f"/a/run-{other.pk}/checkpoints/checkpoint-20", "metrics": {}}
    event_apply(ProgressEvent(f"run-{other.pk}", 2, "finished", 20, payload))
    wait_until(page, "document.querySelector('#start-from') !== null", timeout_s=30)
    assert page.evaluate("window.sameDocument === true") and _badge(page) == "Succeeded"
    shot(page, "run-succeeded-rl-from")
    page.click("#start-from")
    page.wait_for_url("**/runs/launch/**")
    assert page.input_value("#id_model") == f"run:{other.pk}" and page.input_value("#id_method") == "grpo"
    assert Decimal(page.input_value("#id_learning_rate")) == Decimal("0.000001")
    shot(page, "launch-rl-from-run")


def test_refused_forms_keep_what_was_given_and_say_what_to_fix(desk: Any, site: Any, tmp_path: Path) -> None:
    page = desk
    library_load()
    # Synthesis: the pool error and the reversed depth range in one submit, in plain words.
    page.goto(f"{site.url}/composites/synthesize/")
    page.fill("#id_pools", "A=lots")
    page.fill("#id_depth_min", "4")
    page.fill("#id_depth_max", "2")
    page.click("#synthesize-form button[type=submit]")
    page.wait_for_selector("#not-saved")
    assert "write NAME=COUNT" in page.inner_text('[data-field="pools"]')
    assert "“Depth to” (2) is below “Depth from” (4)" in page.inner_text('[data-field="depth_max"]')
    shot(page, "synthesize-refused")

    # Benchmark import: a name error sits at the name; the file is kept, not picked again.
    source = tmp_path / "tiny-benchmark.jsonl"
    problem = {
        "task_id": "T/0", "prompt": "def add(a, b):\n", "canonical_solution": "    return a + b\n",
        "test": "def check(f):\n    assert f(1, 2) == 3\n", "entry_point": "add",
    }  # fmt: skip
    source.write_text(json.dumps(problem) + "\n")
    page.goto(f"{site.url}/datasets/benchmarks/")
    page.fill("#id_name", "Tiny Bench")
    page.set_input_files("#id_file", str(source))
    page.click("#benchmark-upload button[type=submit]")
    page.wait_for_selector("#staged-upload")
    assert "lowercase letters" in page.inner_text('[data-field="name"]')
    assert page.locator('[data-field="file"] .field-error').count() == 0
    assert "Using tiny-benchmark.jsonl (uploaded" in page.inner_text("#staged-upload")
    shot(page, "benchmark-name-refused-file-kept")
    page.fill("#id_name", "tiny-bench")
    page.click("#benchmark-upload button[type=submit]")
    page.wait_for_url("**/benchmarks/tiny-bench/")
    assert Benchmark.objects.get(name="tiny-bench").file_name == "tiny-benchmark.jsonl"

    # The mixture builder: a refused save survives a reload as a draft, until discarded.
    mixture = mixture_create(name="m", by=None, items=[Item(source="atom_base", ratio=Decimal(100))])
    page.goto(f"{site.url}/datasets/mixtures/{mixture.pk}/")
    page.fill("#items tbody tr:nth-child(1) input[name=ratio]", "700")
    page.click("#mixture-form button[type=submit]:not(#freeze-button)")
    page.wait_for_selector("#items tr.has-error")
    # The answer to the refused post names the builder's address, so a reload does not post again.
    assert page.evaluate("location.pathname") == f"/datasets/mixtures/{mixture.pk}/"
    page.reload()
    page.wait_for_selector("#draft-restored")
    assert page.input_value("#items tbody tr:nth-child(1) input[name=ratio]") == "700"
    shot(page, "builder-draft-restored")
    page.click("#discard-draft")
    page.wait_for_selector("#items")
    assert page.locator("#draft-restored").count() == 0
    assert page.input_value("#items tbody tr:nth-child(1) input[name=ratio]") == "100"
    assert violations(page, []) == []


def test_the_dashboard_shows_every_kind_of_job_running(desk: Any, site: Any) -> None:
    page = desk
    rita = get_user_model().objects.get(username="rita")
    snapshot = make_snapshot("train", name="tiny-train")
    run = _running(snapshot, rita, name="warm-up")
    event_apply(ProgressEvent(f"run-{run.pk}", 2, "metrics", 3, {"loss": 2.5}))
    page.goto(f"{site.url}/")
    jobs = page.inner_text("#jobs")
    assert f"run {run.pk} (SFT, warm-up) · running · step 3/20" in jobs
    shot(page, "dashboard-running-now")


def test_once_every_stage_is_ready_the_dashboard_suggests_the_next_steps(desk: Any, site: Any) -> None:
    page = desk
    rita = get_user_model().objects.get(username="rita")
    library_load()
    Atom.objects.update(status=ValidationStatus.VALID)
    run_execute(run=synthesis_run(by=rita, config=SynthesisConfig(pools={"A": 6}, seed=0), enqueue=False))
    mixture = mixture_create(name="first", by=rita, items=[Item(source="composite:A", ratio=Decimal(100))])
    snapshot = snapshot_freeze(version=mixture.latest, by=rita)
    sft = _running(snapshot, rita)
    payload = {"checkpoint": f"/a/run-{sft.pk}/checkpoints/checkpoint-20", "metrics": {}}
    event_apply(ProgressEvent(f"run-{sft.pk}", 2, "finished", 20, payload))
    protocol = Protocol(n=1)
    scored = EvalRun.objects.create(
        model="default", protocol=protocol.to_dict(), protocol_hash=protocol.comparable_hash,
        status=JobStatus.SUCCEEDED, created_by=rita,
    )  # fmt: skip
    SuiteScore.objects.create(
        run=scored, snapshot=snapshot, k=1, estimate=0.5, ci_low=0.2, ci_high=0.8, n_problems=6
    )
    page.goto(f"{site.url}/")
    step = page.inner_text("#next-step")
    assert "Every stage is ready: what next?" in step
    assert f"Evaluate run {sft.pk}" in step and f"RL from run {sft.pk}" in step and "New study" in step
    shot(page, "dashboard-what-next")
    page.click(f"#next-step a:text('Evaluate run {sft.pk}')")
    page.wait_for_url("**/evaluations/new/**")
    assert page.input_value("#id_model") == f"run:{sft.pk}"

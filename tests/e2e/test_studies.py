"""A researcher launches a study from its page at tiny scale (the tiny offline model, real
workers) and watches the dependency graph move to done, then reads the table and summary.
Screenshots go to var/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from tests.training_worker.tiny import build_tiny_model
from tests.webapp.studies.conftest import TEMPLATE
from webapp.studies.models import Study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

SHOTS = Path("var")


@pytest.fixture
def site(live_server: Any) -> Any:
    # The workers' artifact root (the test settings'): the cpu worker advances the study and
    # must find the snapshots the web process froze.
    return live_server


def test_launch_a_study_and_watch_its_graph_reach_done(
    page: Any, site: Any, celery_workers: Any, tmp_path: Path
) -> None:
    from webapp.atoms.services import library_load

    library_load()
    model = build_tiny_model(tmp_path / "tiny")
    UserFactory(username="sara", role="researcher")
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, site, "sara")
    page.wait_for_url(f"{site.url}/")
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{site.url}/studies/")
    page.click("text=New study")
    # An edited template whose arms differ in an undeclared setting is refused, with the table.
    broken = TEMPLATE.replace("MODEL", str(model)).replace(
        "factors: [method, init, hyper]", "factors: [method, init]"
    )
    page.fill("#id_text", broken)
    page.click("#study-form button[type=submit]")
    assert "hyper.learning_rate" in page.inner_text("#study-refusal")
    assert Study.objects.count() == 0
    page.screenshot(path=str(SHOTS / "studies-refused.png"), full_page=True)

    page.fill("#id_text", TEMPLATE.replace("MODEL", str(model)))
    page.select_option("#id_scale", "tiny")
    page.click("#study-form button[type=submit]")
    page.wait_for_url(f"{site.url}/studies/*/")
    study = Study.objects.get()
    assert "from sft's checkpoint" in page.inner_text('.study-arm[data-arm="rl"]')
    page.screenshot(path=str(SHOTS / "studies-running.png"), full_page=True)
    # The page refreshes itself; the arms go waiting → training → evaluating → done.
    wait_until(page, "document.querySelector('#study-status')?.dataset.status === 'succeeded'", timeout_s=800)
    assert [li.get_attribute("data-state") for li in page.locator("#study-graph li").all()] == [
        "done",
        "done",
    ]
    # Each arm's card sums its curve up in one line.
    assert page.inner_text('.study-arm[data-arm="sft"] .study-curve').startswith("loss ")
    assert page.inner_text('.study-arm[data-arm="rl"] .study-curve').startswith("reward ")
    table = page.inner_text("#study-table")
    assert "base model" in table and "rl" in table and "(reference)" in table
    assert "pass@1 of rl vs sft" in page.inner_text("#study-summary")
    assert page.locator("#study-files a").count() >= 4
    page.screenshot(path=str(SHOTS / "studies-done.png"), full_page=True)
    study.refresh_from_db()
    assert study.status == "succeeded"
    assert violations(page, console) == []

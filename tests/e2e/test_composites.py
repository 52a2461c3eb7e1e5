"""A researcher starts a synthesis run from the form, with the real worker running, and
watches the progress bar move until the job finishes; then browses the stored composites."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import login
from tests.factories import UserFactory
from webapp.atoms.services import library_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_moves_until_the_run_finishes(
    page: Any, live_server: Any, celery_workers: Any
) -> None:
    library_load()
    UserFactory(username="sara", role="researcher")
    login(page, live_server, "sara")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/composites/synthesize/")
    page.fill("#id_pools", "A=300,B=100,C=100")
    page.fill("#id_depth_max", "4")
    page.click("button[type=submit]")
    page.wait_for_url("**/composites/runs/*/")
    bar = page.locator("[role=progressbar]")
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        seen.append(int(bar.get_attribute("aria-valuenow") or 0))
        if page.locator(".job").get_attribute("data-status") in ("succeeded", "failed", "cancelled"):
            break
        page.wait_for_timeout(250)
    assert page.locator(".job").get_attribute("data-status") == "succeeded"
    assert seen[-1] == 100
    assert any(0 < v < 100 for v in seen), seen  # it moved through the middle, not just 0 → 100
    assert seen == sorted(seen)
    assert "valid: 500" in page.locator(".job-counters").inner_text()
    page.screenshot(path="var/e2e-synthesis-run.png")

    # The run's page refreshed itself with what the run stored, pool by pool.
    page.wait_for_selector("#stored")
    assert "pool B: 100 composites" in page.inner_text("#stored")
    page.click("#stored a:text('pool B')")
    page.wait_for_selector("text=composite/B/000001")
    assert page.locator("#f-pool").input_value() == "B"
    assert page.locator("#results").get_by_text("composite/A/000001").count() == 0
    page.click("text=composite/B/000001")
    assert page.locator("h1").inner_text() == "composite/B/000001"
    assert page.locator(".diagram .node.atom").count() >= 2
    assert page.locator(".highlight").is_visible()
    page.screenshot(path="var/e2e-composite.png", full_page=True)

"""A real browser builds the paper's mixture, previews it, freezes it on the real Celery
worker and downloads the snapshot."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from training_worker.contracts import SCHEMA_VERSION
from webapp.mixtures.models import Snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_build_preview_freeze_and_download_a_mixture(
    page: Any, live_server: Any, celery_workers: Any, settings: Any
) -> None:
    from webapp.atoms.services import library_load

    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT  # the live server and the worker share one root
    library_load()
    UserFactory(username="rita", role="researcher")
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/datasets/")
    page.fill("#id_name", "paper-modify-600")
    page.fill("#id_seed", "7")
    page.click("#new-mixture button[type=submit]")
    page.wait_for_selector("#mixture-form")

    rows = page.locator("#items tr.item")
    rows.nth(0).locator("select[name=source]").select_option("atom_modify")
    rows.nth(0).locator("input[name=ratio]").fill("600")
    page.click("#add-source")
    wait_until(page, "document.querySelectorAll('#items tr.item').length === 2")
    rows.nth(1).locator("select[name=source]").select_option("atom_base")
    rows.nth(1).locator("input[name=ratio]").fill("1")
    wait_until(page, "document.querySelector('#preview-total')?.textContent === '601'")
    assert page.locator("#preview-table tr[data-source=atom_modify] .rows").inner_text() == "600"
    assert page.locator("#preview-table tr[data-source=atom_base] .rows").inner_text() == "1"

    page.click("#freeze-button")
    link = page.locator(".snapshot-link")
    link.wait_for(timeout=60_000)
    sha = link.inner_text().strip()
    page.screenshot(path="var/e2e-datasets-freeze.png")
    link.click()
    page.wait_for_selector("#token-stats")
    assert page.locator("#sha256").inner_text() == sha
    assert page.locator("#record-schema").inner_text() == f"problem record schema v{SCHEMA_VERSION}"
    page.screenshot(path="var/e2e-datasets-snapshot.png")

    with page.expect_download() as info:
        page.click("#download-jsonl")
    data = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert len(lines) == 601 and Snapshot.objects.get(sha256=sha).rows == 601
    assert sum(1 for r in lines if r["meta"]["mixture"]["source"] == "atom_modify") == 600

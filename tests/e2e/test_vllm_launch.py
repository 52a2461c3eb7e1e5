"""vLLM server mode from the browser: a GRPO launch asking for server-mode rollouts without
the server's address is refused next to "More config", naming the field, with every typed
value kept; nothing is queued."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login
from tests.factories import UserFactory
from tests.webapp.training.conftest import make_snapshot
from webapp.training.models import TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "var"))


def test_server_mode_without_an_address_is_refused_naming_the_field(page: Any, live_server: Any) -> None:
    UserFactory(username="vera", role="researcher")
    snapshot = make_snapshot(name="tiny-atoms")
    login(page, live_server, "vera")
    page.wait_for_url(f"{live_server.url}/")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/runs/launch/")
    page.select_option("#id_method", "grpo")
    page.select_option("#id_train_snapshot", snapshot.sha256)
    page.fill("#id_max_steps", "7")
    lines = "use_vllm=true\nvllm_mode=server"
    page.fill("#id_extra", lines)
    page.click("#launch-form button[type=submit]")
    page.wait_for_selector('[data-field="extra"] .field-error')
    said = page.inner_text('[data-field="extra"]')
    assert "vllm_server_base_url: needed when vllm_mode is 'server'" in said
    assert page.input_value("#id_extra") == lines and page.input_value("#id_max_steps") == "7"
    assert TrainingRun.objects.count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "vllm-server-mode-refused.png"), full_page=True)

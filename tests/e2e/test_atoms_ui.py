"""A real browser authors, reviews and imports atoms (headless Chromium, real sandbox)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.webapp.atoms.helpers import library_content
from webapp.atoms.library import load_library
from webapp.atoms.models import Atom, ReviewState, ValidationStatus
from webapp.atoms.services import library_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as_researcher(page: Any, live_server: Any) -> None:
    UserFactory(username="rita", role="researcher")
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")


def test_a_failing_reference_shows_inline_then_passes_once_fixed(page: Any, live_server: Any) -> None:
    _as_researcher(page, live_server)
    content = library_content("digit_sum")
    page.goto(f"{live_server.url}/atoms/new/")
    page.evaluate("window.__noReload = true")
    page.fill("#id_slug", "digit_total")
    page.fill("#id_topic", "numbers")
    page.fill("#id_entry_point", "digit_sum")
    page.fill('input[aria-label="parameter 1 name"]', "n")
    page.select_option('select[aria-label="parameter 1 type"]', "int")
    page.select_option("#id_returns", "int")
    page.fill("#id_prompt_en", content["prompt_en"])
    page.fill("#id_prompt_zh", content["prompt_zh"])
    # Forgets abs(): int("-") raises on every negative case.
    page.fill("#id_solution", "def digit_sum(n: int) -> int:\n    return sum(int(d) for d in str(n))\n")
    page.click("[data-cases=''] summary")
    page.fill("#id_cases_json", json.dumps(content["cases"]))
    # The table follows the JSON as it is typed.
    assert page.locator("[data-cases=''] [data-case-table] tbody tr").count() == len(content["cases"]) + 1
    modify = content["modify"]
    page.fill("#id_modify_change", modify["change"])
    page.fill("#id_modify_prompt_en", modify["prompt_en"])
    page.fill("#id_modify_prompt_zh", modify["prompt_zh"])
    page.fill("#id_modify_solution", modify["solution"])
    page.click("[data-cases='modify_'] summary")
    page.fill("#id_modify_cases_json", json.dumps(modify["cases"]))

    page.click("#save")
    page.wait_for_selector('#save-status[data-status="invalid"]')
    assert "kept as a draft" in page.inner_text("#save-status")
    failed = page.locator("[data-cases=''] tr.case.failed")
    assert failed.count() == sum(1 for c in content["cases"] if c["args"][0] < 0) == 2
    assert "ValueError" in failed.first.inner_text()
    assert page.locator("[data-cases=''] tr.case.passed").count() == len(content["cases"]) - 2
    assert page.url.endswith("/atoms/digit_total/edit/")
    page.screenshot(path="var/e2e-atoms-draft.png", full_page=True)
    assert Atom.objects.get(slug="digit_total").status == ValidationStatus.INVALID

    page.fill("#id_solution", content["solution"])
    page.click("#save")
    page.wait_for_selector('#save-status[data-status="valid"]')
    assert "Saved version 2." in page.inner_text("#save-status")
    assert page.locator("[data-cases=''] tr.case.passed").count() == len(content["cases"])
    assert page.locator("tr.case.failed").count() == 0
    assert page.evaluate("window.__noReload") is True  # both saves happened without a reload
    assert Atom.objects.get(slug="digit_total").status == ValidationStatus.VALID


def test_reviewing_two_atoms_from_the_queue_with_the_keyboard(page: Any, live_server: Any) -> None:
    specs = sorted(load_library(), key=lambda s: (s.topic, s.slug))[:3]
    library_load(specs=specs)
    first, second, third = (s.slug for s in specs)
    _as_researcher(page, live_server)
    page.goto(f"{live_server.url}/atoms/review/")
    card = page.locator("#queue-card")
    assert card.get_attribute("data-slug") == first
    page.keyboard.press("j")
    page.wait_for_selector(f'#queue-card[data-slug="{second}"]')
    page.keyboard.press("k")
    page.wait_for_selector(f'#queue-card[data-slug="{first}"]')
    page.keyboard.press("a")
    page.wait_for_selector(f'#queue-card[data-slug="{second}"]')
    assert "1 of 2" in card.inner_text()
    page.keyboard.press("n")
    page.wait_for_selector(f'#queue-card[data-slug="{third}"]')
    page.screenshot(path="var/e2e-atoms-queue.png")
    states = dict(Atom.objects.values_list("slug", "review_state"))
    assert states == {
        first: ReviewState.APPROVED,
        second: ReviewState.NEEDS_WORK,
        third: ReviewState.UNREVIEWED,
    }
    assert Atom.objects.get(slug=first).reviewed_by.username == "rita"


def test_importing_a_file_with_one_bad_line_keeps_the_good_ones(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"slug": "digit_sum", **library_content("digit_sum")}),
        json.dumps({"slug": "broken", **library_content("rotate_left"), "difficulty": 9}),
        json.dumps({"slug": "rotate_left", **library_content("rotate_left")}),
    ]
    upload = tmp_path / "atoms.jsonl"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _as_researcher(page, live_server)
    page.goto(f"{live_server.url}/atoms/import/")
    page.set_input_files("#id_file", str(upload))
    page.click("button[name=apply][value='0']")
    page.wait_for_selector(".import-summary")
    assert "Preview of atoms.jsonl" in page.inner_text(".import-summary")
    bad = page.locator('tr.import-line.reject[data-line="2"]')
    assert "line 2: difficulty must be an integer from 1 to 5, not 9" in bad.inner_text()
    assert Atom.objects.count() == 0
    page.screenshot(path="var/e2e-atoms-import.png", full_page=True)

    page.click("button[name=apply][value='1']")
    page.wait_for_selector('.import-summary[data-applied="2"]')
    assert "2 atoms written (2 new, 0 changed)" in page.inner_text(".import-summary")
    assert "line 2: difficulty" in page.inner_text('tr.import-line.reject[data-line="2"]')
    assert set(Atom.objects.values_list("slug", flat=True)) == {"digit_sum", "rotate_left"}
    assert set(Atom.objects.values_list("status", flat=True)) == {ValidationStatus.VALID}


def test_the_list_filters_as_you_type_and_leads_to_the_detail(page: Any, live_server: Any) -> None:
    library_load()
    UserFactory(username="vera", role="viewer")
    login(page, live_server, "vera")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/atoms/")
    assert page.locator("tr[data-slug]").count() == 50
    page.screenshot(path="var/e2e-atoms-list.png")
    page.fill("#id_q", "rotate")
    wait_until(page, "document.querySelectorAll('tr[data-slug]').length < 50")
    assert "q=rotate" in page.url  # the filtered list has its own address
    page.click("text=rotate_left")
    page.wait_for_url(f"{live_server.url}/atoms/rotate_left/")
    assert "def rotate_left(xs: list[int], k: int) -> list[int]" in page.inner_text("pre.signature")
    assert page.locator("a:has-text('Edit')").count() == 0
    page.screenshot(path="var/e2e-atoms-detail.png", full_page=True)

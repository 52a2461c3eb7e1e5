"""The data side as a new researcher and a viewer meet it, in a real browser: the dashboard
leads from an empty database, refusals explain themselves, pages stay true when a job
finishes, related objects link both ways, exports follow the filters and tagging is an
annotation."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from webapp.accounts.models import User
from webapp.atoms.models import Atom, ReviewState, ValidationStatus
from webapp.atoms.services import atom_review, library_load
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create
from webapp.synthesis.models import Composite
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Any, live_server: Any, username: str, role: str) -> User:
    user = UserFactory(username=username, role=role)
    login(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")
    return user


def test_the_dashboard_leads_from_an_empty_database_to_validated_atoms(
    page: Any, live_server: Any, celery_workers: Any
) -> None:
    _login(page, live_server, "rita", "researcher")
    step = page.locator("#next-step")
    assert step.get_attribute("data-stage") == "atoms"
    assert "No atoms yet. Load the library of 100 hand-written atoms" in step.inner_text()
    page.screenshot(path="var/e2e-ux-dashboard-empty.png")

    step.locator("button:has-text('Load the atom library')").click()
    page.wait_for_url(f"{live_server.url}/atoms/?job=*")
    page.evaluate("window.__noReload = true")
    assert "Atom library loaded: 100 created" in page.inner_text(".messages")
    # The validation job runs on the real worker; when it finishes the list refreshes itself.
    page.wait_for_selector('#validate-job .job[data-status="succeeded"]', timeout=120_000)
    wait_until(page, "document.querySelectorAll('#results tr[data-slug] .badge.warn').length === 0", 20)
    assert page.locator("#results tr[data-slug]").first.locator(".badge.ok").count() >= 1
    assert page.evaluate("window.__noReload") is True
    assert Atom.objects.filter(status=ValidationStatus.VALID).count() == 100

    page.goto(f"{live_server.url}/")
    assert page.locator("#next-step").get_attribute("data-stage") == "composites"
    assert "Synthesize composites" in page.inner_text("#next-step")


def test_a_viewer_sees_no_write_controls_and_a_refused_url_shows_the_reason(
    page: Any, live_server: Any
) -> None:
    library_load()
    mixture = mixture_create(name="m", by=None, items=[Item(source="atom_base", ratio=Decimal(50))])
    _login(page, live_server, "vera", "viewer")
    assert page.locator("#next-step button").count() == 0
    page.goto(f"{live_server.url}/atoms/")
    for control in ("text=New atom", "text=Validate all", "text=Import", "input[name=slugs]"):
        assert page.locator(control).count() == 0, control
    page.goto(f"{live_server.url}/atoms/digit_sum/")
    assert page.locator("text=Edit").count() == 0 and page.locator(".review-buttons").count() == 0
    page.goto(f"{live_server.url}/atoms/review/")
    first = page.locator("#queue-card").get_attribute("data-slug")
    page.keyboard.press("a")  # no approve control, so the key does nothing
    page.wait_for_timeout(500)
    assert page.locator("#queue-card").get_attribute("data-slug") == first
    assert Atom.objects.get(slug=first).review_state == ReviewState.UNREVIEWED
    page.goto(f"{live_server.url}/datasets/mixtures/{mixture.pk}/")
    assert page.locator("#items select, #items [data-remove-row], #freeze-button, #add-source").count() == 0
    assert page.locator("#preview").count() == 0  # the preview is part of writing a recipe
    page.wait_for_timeout(500)
    assert page.locator("#flash").inner_text() == ""  # and nothing on the page asked for it

    page.goto(f"{live_server.url}/atoms/new/")
    assert page.locator("h1").inner_text() == "Not allowed"
    assert "This needs the researcher role." in page.inner_text(".refusal-reason")
    assert page.locator(".topbar").count() == 1  # the app's page, not a bare "403 Forbidden"
    page.screenshot(path="var/e2e-ux-refused.png")


def test_a_researcher_demoted_meanwhile_gets_the_reason_in_place(page: Any, live_server: Any) -> None:
    library_load()
    user = _login(page, live_server, "rita", "researcher")
    page.goto(f"{live_server.url}/atoms/review/")
    first = page.locator("#queue-card").get_attribute("data-slug")
    User.objects.filter(pk=user.pk).update(role="viewer")  # an admin demotes her now
    page.keyboard.press("a")
    page.wait_for_selector("#flash .refusal-reason")
    assert "This needs the researcher role." in page.inner_text("#flash")
    assert page.locator("#queue-card").get_attribute("data-slug") == first  # the page stays
    assert Atom.objects.get(slug=first).review_state == ReviewState.UNREVIEWED


def test_the_builder_shows_the_frozen_version_and_its_snapshot_without_a_reload(
    page: Any, live_server: Any, celery_workers: Any, settings: Any
) -> None:
    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT  # the live server and the worker share one root
    library_load()
    mixture = mixture_create(name="freeze-me", by=None, items=[Item(source="atom_base", ratio=Decimal(30))])
    _login(page, live_server, "rita", "researcher")
    page.goto(f"{live_server.url}/datasets/mixtures/{mixture.pk}/")
    assert page.inner_text("#version-state") == "draft"
    assert "Not frozen yet" in page.inner_text("#mixture-snapshots")
    page.click("#freeze-button")
    page.wait_for_url(f"{live_server.url}/datasets/mixtures/{mixture.pk}/?job=*")
    page.evaluate("window.__noReload = true")
    page.wait_for_selector("table#mixture-snapshots a.hash", timeout=60_000)
    snapshot = mixture.latest.snapshots.get()
    assert snapshot.short in page.inner_text("#mixture-snapshots")
    assert page.inner_text("#version-state") == "frozen"
    assert page.locator(".snapshot-link").inner_text() == snapshot.sha256
    assert page.evaluate("window.__noReload") is True  # updated in place, not by a reload
    # one poll per view: once finished, nothing on the page polls any more
    assert page.locator("[hx-trigger*='every']").count() == 0
    page.screenshot(path="var/e2e-ux-frozen.png")


def test_composite_and_atom_pages_link_both_ways(page: Any, live_server: Any) -> None:
    library_load()
    Atom.objects.update(status=ValidationStatus.VALID)
    run = run_create(by=None, config=SynthesisConfig(pools={"A": 5}, seed=1), enqueue=False)
    run_execute(run=run)
    composite = Composite.objects.order_by("index").first()
    assert composite is not None
    _login(page, live_server, "vera", "viewer")
    page.goto(f"{live_server.url}/composites/{composite.pk}/")
    atom = composite.chain[-1]
    page.click(f"#made-of a:text-is('{atom}')")
    page.wait_for_url(f"{live_server.url}/atoms/{atom}/")
    assert composite.key in page.inner_text("#atom-composites")
    page.click(f"#atom-composites a:text-is('{composite.key}')")
    page.wait_for_url(f"{live_server.url}/composites/{composite.pk}/")
    page.click(".diagram a.node.atom >> nth=0")  # the chain diagram's boxes are links too
    page.wait_for_url(f"{live_server.url}/atoms/{composite.chain[0]}/")
    page.goto(f"{live_server.url}/composites/")
    assert page.locator(f"#results tr[data-key='{composite.key}'] .chain-atoms a").count() == len(
        composite.chain
    )


def test_export_writes_what_the_filtered_list_shows(page: Any, live_server: Any) -> None:
    library_load()
    _login(page, live_server, "vera", "viewer")
    page.goto(f"{live_server.url}/atoms/")
    page.select_option("#id_topic", "strings")
    wait_until(page, "document.querySelectorAll('#results tr[data-slug]').length === 10")
    page.select_option("#id_difficulty", "1")
    wait_until(page, "document.querySelectorAll('#results tr[data-slug]').length < 10")
    shown = page.locator("#results tr[data-slug]").evaluate_all("rows => rows.map(r => r.dataset.slug)")
    wait_until(page, "document.querySelector('#export').getAttribute('href').includes('difficulty=1')")
    with page.expect_download() as info:
        page.click("#export")
    records = [json.loads(line) for line in Path(info.value.path()).read_text(encoding="utf-8").splitlines()]
    assert [r["slug"] for r in records] == shown and 0 < len(shown) < 10


def test_bulk_tag_keeps_the_version_and_the_approval(page: Any, live_server: Any) -> None:
    library_load()
    user = _login(page, live_server, "rita", "researcher")
    atom_review(atom=Atom.objects.get(slug="digit_sum"), state=ReviewState.APPROVED, by=user)
    page.goto(f"{live_server.url}/atoms/?topic=numbers")
    page.check("input[name=slugs][value=digit_sum]")
    page.select_option("#bulk_action", "tag")
    page.fill("#bulk_tag", "core")
    page.click("#bulk button:text('Apply')")
    page.wait_for_selector(".messages:has-text('Tagged 1 atom')")
    page.goto(f"{live_server.url}/atoms/digit_sum/")
    head = page.inner_text("main > p.muted")
    assert "version 1" in head and "edited in the app" not in head
    review = page.inner_text("#annotations")
    assert "approved" in review and "(v1)" not in review and "core" in review
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.version == 1 and atom.review_state == ReviewState.APPROVED and not atom.review_is_stale

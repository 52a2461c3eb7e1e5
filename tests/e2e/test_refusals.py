"""What a person sees when the app refuses: a locked-out login, an edit that would undo a
colleague's, a server error, an address that is only a fragment. Driven in Chromium, with
screenshots under var/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_login_says_why_and_for_how_long(page: Any, live_server: Any) -> None:
    UserFactory(username="otto")
    for _ in range(10):
        login(page, live_server, "otto", "wrong")
    login(page, live_server, "otto")  # the right password, refused
    message = page.locator("#locked-out")
    message.wait_for()
    assert "after 10 wrong passwords this account is locked from your address for 15 minutes" in (
        message.inner_text()
    )
    page.screenshot(path="var/e2e-login-locked.png")
    assert "/accounts/login/" in page.url


def test_a_conflicting_edit_shows_both_versions(browser: Any, live_server: Any) -> None:
    from webapp.atoms.services import library_load

    library_load(specs=None)
    UserFactory(username="rita", role="researcher")
    UserFactory(username="bob", role="researcher")
    pages = []
    for name in ("rita", "bob"):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        p = context.new_page()
        p.set_default_timeout(30_000)
        login(p, live_server, name)
        p.wait_for_url(f"{live_server.url}/")
        p.goto(f"{live_server.url}/atoms/digit_sum/edit/")
        pages.append(p)
    rita, bob = pages
    rita.fill("#id_prompt_en", "Sum the decimal digits of n (Rita's wording).")
    rita.click("#save")
    rita.locator("#save-status b").wait_for()  # "Saved version 2."
    bob.fill("#id_tags", "digits, bob")
    bob.click("#save")
    conflict = bob.locator("#conflict")
    conflict.wait_for()
    assert "rita saved version 2 while you were editing" in conflict.inner_text()
    assert "Rita's wording" in conflict.locator("tr[data-field=prompt_en]").inner_text()
    conflict.scroll_into_view_if_needed()
    bob.screenshot(path="var/e2e-edit-conflict.png")
    for p in pages:
        p.context.close()


def test_a_server_error_shows_the_styled_500_page(page: Any, live_server: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.webapp.crash_urls"
    UserFactory(username="hana")
    login(page, live_server, "hana")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/crash/")
    assert response is not None and response.status == 500
    assert page.locator("h1").inner_text() == "Something went wrong"
    page.screenshot(path="var/e2e-500.png")


def test_a_fragment_address_opened_in_the_browser_says_where_to_go(page: Any, live_server: Any) -> None:
    UserFactory(username="rita", role="researcher")
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/datasets/mixtures/item-row")
    assert response is not None and response.status == 400
    page.screenshot(path="var/e2e-fragment-only.png")
    page.click("text=Go to Datasets")
    page.wait_for_url(f"{live_server.url}/datasets/")

"""A real browser logs in and sees the dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_leads_to_the_dashboard(page: Any, live_server: Any) -> None:
    UserFactory(username="lena", role="researcher")
    page.goto(f"{live_server.url}/atoms/")
    assert "/accounts/login/" in page.url  # sent to log in first, then back
    page.fill("#id_username", "lena")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/atoms/")
    page.click("text=Atomlab")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator(".who .user").inner_text() == "lena · Researcher"
    page.screenshot(path="var/e2e-dashboard.png")


def test_wrong_password_is_refused_with_a_message(page: Any, live_server: Any) -> None:
    UserFactory(username="otto")
    login(page, live_server, "otto", "not-the-password")
    assert page.locator(".error").is_visible()
    assert "/accounts/login/" in page.url


def test_htmx_is_served_offline_and_loads(page: Any, live_server: Any) -> None:
    UserFactory(username="hana")
    login(page, live_server, "hana")
    page.wait_for_url(f"{live_server.url}/")
    assert page.evaluate("typeof htmx") == "object"

"""The Content-Security-Policy (scripts and styles from this site's files only) and the
pages still working under it: every main page is opened in Chromium, which reports each
violation as a ``securitypolicyviolation`` event and a console error; there must be none,
and the behaviours that used inline code (htmx, removing a builder row, progress bars, the
review queue's auto-submit) must still work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from webapp.core.jobs import job_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Runs before any page script (through the DevTools protocol, so the policy does not apply).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


@pytest.fixture
def watched(page: Any) -> tuple[Any, list[str]]:
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    return page, console


def violations(page: Any, console: list[str]) -> list[str]:
    found = list(page.evaluate("window.__csp || []"))
    found += [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    return found


def test_the_main_pages_load_under_the_policy_without_a_violation(
    watched: tuple[Any, list[str]], live_server: Any
) -> None:
    from webapp.atoms.services import library_load
    from webapp.mixtures.services import mixture_create

    page, console = watched
    library_load()
    rita = UserFactory(username="rita", role="researcher")
    mixture = mixture_create(name="csp-mix", seed=0, by=rita)
    job = job_create(kind="atoms.validate", by=rita, params={})
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")

    paths = [
        "/",
        "/atoms/",
        "/atoms/digit_sum/",
        "/atoms/digit_sum/edit/",
        "/atoms/new/",
        "/atoms/review/",
        "/atoms/import/",
        "/composites/",
        "/composites/synthesize/",
        "/datasets/",
        f"/datasets/mixtures/{mixture.pk}/",
        "/datasets/snapshots/",
        "/datasets/benchmarks/",
        "/health",
        f"/jobs/{job.pk}/",
        "/no/such/page/",
    ]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and "content-security-policy" in response.headers, path
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], path
        # The site's stylesheet applied (a blocked stylesheet would leave the bar unstyled).
        assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex", path
        assert page.evaluate("typeof htmx") == "object", path
    page.screenshot(path="var/e2e-404.png", full_page=True)

    # Behaviours that were inline code: the builder's Add source / remove row and its live preview.
    page.goto(f"{live_server.url}/datasets/mixtures/{mixture.pk}/")
    rows = page.locator("#items tr.item")
    rows.nth(0).locator("select[name=source]").select_option("atom_base")
    page.click("#add-source")
    wait_until(page, "document.querySelectorAll('#items tr.item').length === 2")
    rows.nth(1).locator("select[name=source]").select_option("atom_modify")
    wait_until(page, "document.querySelector('#preview-total')?.textContent === '200'")
    rows.nth(1).locator("[data-remove-row]").click()
    wait_until(page, "document.querySelector('#preview-total')?.textContent === '100'")
    assert page.locator("#items tr.item").count() == 1

    # A job's progress bar gets its width from data-percent.
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert page.evaluate("document.querySelector('[data-percent]').style.width") == f"{job.percent}%"

    # The review queue's state picker submits itself.
    page.goto(f"{live_server.url}/atoms/review/")
    page.select_option("select[data-autosubmit]", "approved")
    page.wait_for_url("**/atoms/review/?state=approved*")
    assert violations(page, console) == []


def test_an_injected_inline_script_is_blocked(watched: tuple[Any, list[str]], live_server: Any) -> None:
    """The policy is live: a script the page did not ship from a file does not run."""
    page, console = watched
    UserFactory(username="hana")
    login(page, live_server, "hana")
    page.wait_for_url(f"{live_server.url}/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in violations(page, console))

"""In a real browser: the review queue's `k` at the first atom stays there and `u` undoes a
decision; the new-study page loads a template into its editor, with line numbers, and checks
it as it is typed (a YAML error with its line and a caret; a fix shows it valid). Screenshots
go to $ATOMLAB_SCREENSHOTS when set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_evaluation import shot
from tests.factories import UserFactory
from webapp.atoms.library import load_library
from webapp.atoms.models import Atom, AtomReview, ReviewState
from webapp.atoms.services import library_load
from webapp.studies.design import template_text
from webapp.studies.models import Study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rita(page: Any, live_server: Any) -> Any:
    UserFactory(username="rita", role="researcher")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_k_at_the_top_stays_and_u_undoes_the_last_decision(rita: Any, live_server: Any) -> None:
    specs = sorted(load_library(), key=lambda s: (s.topic, s.slug))[:3]
    library_load(specs=specs)
    first, second, _ = (s.slug for s in specs)
    page = rita
    page.goto(f"{live_server.url}/atoms/review/")
    card = page.locator("#queue-card")
    assert card.get_attribute("data-slug") == first
    page.keyboard.press("k")  # nothing before the first atom: the card stays
    page.wait_for_timeout(300)
    assert card.get_attribute("data-slug") == first and "1 of 3" in card.inner_text()
    page.keyboard.press("a")
    page.wait_for_selector(f'#queue-card[data-slug="{second}"] #undo-bar')
    assert f"{first} set to approved" in page.inner_text("#undo-bar")
    shot(page, "queue-undo")
    page.keyboard.press("u")
    page.wait_for_selector(f'#queue-card[data-slug="{first}"]')
    assert page.locator("#undo-bar").count() == 0
    assert Atom.objects.get(slug=first).review_state == ReviewState.UNREVIEWED
    assert [r.state for r in AtomReview.objects.filter(atom__slug=first).order_by("id")] == [
        "approved",
        "unreviewed",
    ]


def test_the_editor_loads_a_template_and_checks_it_as_it_is_typed(rita: Any, live_server: Any) -> None:
    page = rita
    page.goto(f"{live_server.url}/studies/new/")
    page.select_option("#id_template", "composite_share")
    page.click("#load-template")
    page.wait_for_selector("#check-ok")
    text = template_text("composite_share")
    assert page.input_value("#id_text") == text
    lines = len(text.split("\n"))  # the empty line after the last newline is one too, as in editors
    assert page.inner_text(".editor .gutter").split() == [str(i) for i in range(1, lines + 1)]
    shot(page, "study-editor-valid")

    broken = text.replace("reference:", "reference: [", 1)
    page.fill("#id_text", broken)
    page.wait_for_selector("#check-problems li[data-line]")
    line = next(i for i, s in enumerate(broken.splitlines(), 1) if s.startswith("reference: ["))
    problem = page.inner_text("#check-problems li")
    assert f"Line {line + 1}" in problem or f"Line {line}" in problem, problem
    assert "^" in page.inner_text("#check-problems pre")
    shot(page, "study-editor-error")

    page.fill("#id_text", text.replace("factors: [train]", "factors: [method]"))
    page.wait_for_selector("#study-refusal tr.undeclared")
    assert "not declared" in page.inner_text("#study-refusal")
    shot(page, "study-editor-undeclared")
    page.fill("#id_text", text)
    page.wait_for_selector("#check-ok")
    wait_until(page, "!document.querySelector('#check-problems')")
    assert Study.objects.count() == 0

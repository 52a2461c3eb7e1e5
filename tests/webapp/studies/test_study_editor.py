"""The new-study page's template editor: a template loaded into it, checked as it is typed by
the launch's own checks (a YAML error with its line, column and the offending line; a
setting's error with its line; every difference between the arms, declared or not, next to
the error); a viewer sees no launch control; a refusal is one log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from webapp.studies.models import Study
from webapp.studies.validation import template_check

HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita(client: Client, researcher: Any) -> Client:
    client.force_login(researcher)
    return client


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_yaml_error_names_its_line_and_column_and_shows_the_line_with_a_caret(template: str) -> None:
    broken = template.replace("reference: sft", "reference: sft: oops")
    check = template_check(broken, scale="tiny")
    (problem,) = check.problems
    line = _line_of(broken, "reference: sft: oops")
    assert problem.line == line and problem.column == len("reference: sft") + 1
    assert f"line {line}, column {problem.column}" in problem.message
    before, shown, caret = problem.excerpt.splitlines()
    assert before.endswith("factors: [method, init, hyper]")  # the line before, for context
    assert shown.endswith("reference: sft: oops") and shown.lstrip().startswith(str(line))
    assert caret.index("^") == shown.index("reference: sft: oops") + len("reference: sft")


def test_a_settings_error_points_at_the_line_that_sets_it(template: str) -> None:
    broken = template.replace("learning_rate: 0.01", "learning_rate: -0.01")
    check = template_check(broken, scale="tiny")
    assert check.design is not None and not check.ok
    (problem,) = [p for p in check.problems if "learning_rate" in p.message]
    assert problem.message.startswith("arms.sft.hyper.learning_rate")
    assert problem.line == _line_of(broken, "learning_rate: -0.01")


def test_a_refused_launch_shows_the_yaml_error_preformatted_and_keeps_the_text(
    rita: Client, template: str
) -> None:
    broken = template.replace("reference: sft", "reference: sft: oops")
    response = rita.post(reverse("study-new"), {"template": "sft_vs_rl", "scale": "tiny", "text": broken})
    assert response.status_code == 400
    page = response.content.decode()
    line = _line_of(broken, "reference: sft: oops")
    assert f"<b>Line {line}, column 15</b>" in page
    pre = page[page.index('<pre class="check-message">') : page.index("</pre>", page.index("check-message"))]
    assert "\n" in pre and "reference: sft: oops" in pre and "^" in pre  # lines and caret kept
    assert "reference: sft: oops" in page.split('name="text"', 1)[1].split("</textarea>")[0]
    assert not Study.objects.exists()


def test_an_undeclared_difference_is_refused_with_the_table_of_every_difference(
    rita: Client, template: str
) -> None:
    text = template.replace("factors: [method, init, hyper]", "factors: [method, init]")
    response = rita.post(reverse("study-new"), {"template": "sft_vs_rl", "scale": "tiny", "text": text})
    assert response.status_code == 400
    page = response.content.decode()
    table = page[page.index('id="study-refusal"') : page.index("</table>", page.index('id="study-refusal"'))]
    assert '<tr data-key="hyper.learning_rate" class="undeclared">' in table
    assert '<tr data-key="method">' in table  # declared differences are listed too
    assert "<th>sft</th><th>rl</th><th>Declared?</th>" in table
    assert not Study.objects.exists()


def test_the_editor_check_answers_as_you_type_with_the_launchs_checks(rita: Client, template: str) -> None:
    url = reverse("study-validate")
    ok = rita.post(url, {"text": template, "scale": "tiny"}, **HTMX)
    assert ok.status_code == 200 and 'id="check-ok"' in ok.content.decode()
    assert 'id="study-factors"' in ok.content.decode()  # the declared differences, shown
    broken = template.replace("max_steps: 2, per", "max_steps: 0, per")
    bad = rita.post(url, {"text": broken, "scale": "tiny"})
    page = bad.content.decode()
    assert bad.status_code == 200 and 'id="check-ok"' not in page
    assert "arms.sft.hyper.max_steps" in page and f"<b>Line {_line_of(template, 'max_steps: 2, per')}" in page
    assert not Study.objects.exists()


def test_loading_a_template_puts_its_text_into_the_editor(rita: Client) -> None:
    from webapp.studies.design import template_text

    response = rita.get(reverse("study-new"), {"template": "composite_share", "scale": "tiny", "edit": "1"})
    page = response.content.decode()
    editor = page.split('name="text"', 1)[1].split("</textarea>")[0]
    first = template_text("composite_share").splitlines()[0]
    assert response.status_code == 200 and first.replace('"', "&quot;") in editor
    assert 'id="study-check"' in page and "data-line-numbers" in page


def test_a_viewer_sees_no_new_study_control_even_on_the_empty_list(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    page = client.get(reverse("studies")).content.decode()
    assert "No study yet" in page
    assert reverse("study-new") not in page


def test_a_refused_request_is_one_log_line_without_a_traceback(
    client: Client, viewer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(viewer)
    with caplog.at_level(logging.INFO):
        page = client.get(reverse("study-new"))
        fragment = client.post(reverse("study-validate"), {"text": "x"}, **HTMX)
    assert page.status_code == fragment.status_code == 403
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["atomlab.access", "atomlab.access"]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in caplog.records)
    assert "user=vera action=run.launch" in warnings[0].getMessage()


def test_retry_is_shown_to_the_studys_owner_and_admins_only(
    client: Client, researcher: Any, admin_user: Any, template: str
) -> None:
    from tests.factories import UserFactory
    from webapp.studies.models import StudyStatus

    study = Study.objects.create(
        name="stalled", template="t", template_text=template, scale="tiny", created_by=researcher,
        status=StudyStatus.STALLED, advance_attempts=5, error="boom",
    )  # fmt: skip
    bob = UserFactory(username="bob", role="researcher")
    shown = {}
    for user in (researcher, admin_user, bob):
        client.force_login(user)
        page = client.get(reverse("study", args=[study.pk])).content.decode()
        shown[user.username] = 'id="study-retry"' in page
    assert shown == {"rita": True, "ada": True, "bob": False}  # bob's Retry would be refused

"""Writing atoms in the browser: save-time validation in the real sandbox, drafts that are
kept when the reference fails, and a precise message next to each bad field."""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.webapp.atoms.helpers import editor_post, library_content
from webapp.atoms.models import Atom, AtomRevision, ValidationStatus

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rita(client: Client, researcher: Any) -> Client:
    client.force_login(researcher)
    return client


def _msgs(html: str, field: str) -> str:
    """The text of the messages shown next to ``field``."""
    match = re.search(rf'<div class="msgs" data-for="{field}">(.*?)</div>', html, re.S)
    assert match, f"no message next to {field}"
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def test_new_atom_page_shows_an_empty_editor(rita: Client) -> None:
    html = rita.get("/atoms/new/").content.decode()
    assert '<form id="editor"' in html and 'name="param_name"' in html and "<html" in html
    assert "list[list[int]]" in html  # the allowed types are offered


def test_saving_a_good_atom_validates_it_inline_and_moves_to_its_edit_url(
    rita: Client, researcher: Any
) -> None:
    content = library_content("digit_sum")
    response = rita.post("/atoms/new/", editor_post("digit_sum_v2", content), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # the editor partial only
    assert response["HX-Push-Url"] == "/atoms/digit_sum_v2/edit/"
    atom = Atom.objects.get(slug="digit_sum_v2")
    assert atom.status == ValidationStatus.VALID and atom.author == researcher
    assert 'data-status="valid"' in html and "Saved version 1." in html
    assert html.count("✓ passed") == len(content["cases"]) + len(content["modify"]["cases"])
    assert 'hx-post="/atoms/digit_sum_v2/edit/"' in html  # the next save edits this atom


def test_a_failing_reference_is_saved_as_an_invalid_draft_with_the_failing_case_shown(rita: Client) -> None:
    content = library_content("digit_sum")
    wrong = "def digit_sum(n: int) -> int:\n    return sum(int(d) for d in str(n))\n"  # no abs()
    html = rita.post(
        "/atoms/new/", editor_post("digit_sum_draft", content, solution=wrong), **HTMX
    ).content.decode()
    atom = Atom.objects.get(slug="digit_sum_draft")
    assert atom.status == ValidationStatus.INVALID and atom.solution == wrong
    assert 'data-status="invalid"' in html and "kept as a draft" in html
    failed = [i for i, c in enumerate(content["cases"]) if c["args"][0] < 0]
    for i in failed:
        row = re.search(rf'<tr class="case failed" data-case="{i}">(.*?)</tr>', html, re.S)
        assert row and "✗ failed" in row.group(1)
    assert html.count("✓ passed") == len(content["cases"]) - len(failed) + len(content["modify"]["cases"])


def test_a_syntax_error_is_reported_with_its_line_and_the_draft_is_kept(rita: Client) -> None:
    content = library_content("digit_sum")
    broken = "def digit_sum(n: int) -> int:\n    total = 0\n    return total +\n"
    html = rita.post(
        "/atoms/new/", editor_post("broken_one", content, solution=broken), **HTMX
    ).content.decode()
    assert "syntax error on line 3" in _msgs(html, "solution")
    assert Atom.objects.get(slug="broken_one").status == ValidationStatus.INVALID


def test_a_signature_that_does_not_match_the_code_is_named_next_to_the_solution(rita: Client) -> None:
    content = library_content("rotate_left")
    html = rita.post(
        "/atoms/new/", editor_post("rotate_left_2", content, param_type=["list[int]", "str"]), **HTMX
    ).content.decode()
    message = _msgs(html, "solution")
    assert "the code's signature def rotate_left(xs: list[int], k: int) -> list[int]" in message
    assert "declared one def rotate_left(xs: list[int], k: str)" in message


def test_cases_that_are_not_json_are_refused_with_the_position_and_nothing_is_saved(rita: Client) -> None:
    content = library_content("digit_sum")
    data = editor_post(
        "not_saved", content, cases_json='[{"args": [1], "expected": 1},\n {"args": [2] "expected": 2}]'
    )
    html = rita.post("/atoms/new/", data, **HTMX).content.decode()
    assert "not valid JSON: line 2, column 15: Expecting ',' delimiter" in _msgs(html, "cases")
    assert not Atom.objects.filter(slug="not_saved").exists()
    assert '"args": [2] "expected": 2' in htmllib.unescape(html)  # what the author typed is kept


def test_cases_with_the_wrong_number_of_arguments_are_named_case_by_case(rita: Client) -> None:
    content = library_content("rotate_left")
    cases = [dict(c) for c in content["cases"]]
    cases[2] = {"args": [[1, 2, 3]], "expected": [2, 3, 1]}
    html = rita.post(
        "/atoms/new/", editor_post("rotate_short", content, cases_json=json.dumps(cases)), **HTMX
    ).content.decode()
    assert "case 2: 1 argument, but the signature takes 2 (xs, k)" in _msgs(html, "cases")
    assert Atom.objects.get(slug="rotate_short").status == ValidationStatus.INVALID


def test_a_duplicate_slug_is_refused_next_to_the_slug(rita: Client, loaded: Any) -> None:
    html = rita.post(
        "/atoms/new/", editor_post("digit_sum", library_content("digit_sum")), **HTMX
    ).content.decode()
    assert "an atom named 'digit_sum' already exists" in _msgs(html, "slug")
    assert Atom.objects.get(slug="digit_sum").revisions.count() == 1


def test_a_slug_that_is_not_an_identifier_is_refused(rita: Client) -> None:
    html = rita.post(
        "/atoms/new/", editor_post("9-lives", library_content("digit_sum")), **HTMX
    ).content.decode()
    assert "is not a Python identifier" in _msgs(html, "slug")


def test_editing_from_the_case_table_makes_a_revision_and_revalidates(rita: Client, loaded: Any) -> None:
    content = library_content("digit_sum")
    data = editor_post("digit_sum", content, cases_source="table", message="one more case")
    data["case_args"] = [json.dumps(c["args"]) for c in content["cases"]] + ["[55]", ""]
    data["case_expected"] = [json.dumps(c["expected"]) for c in content["cases"]] + ["10", ""]
    html = rita.post("/atoms/digit_sum/edit/", data, **HTMX).content.decode()
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.version == 2 and atom.cases[-1] == {"args": [55], "expected": 10}
    assert atom.status == ValidationStatus.VALID and "Saved version 2." in html
    rev = AtomRevision.objects.get(atom=atom, number=2)
    assert rev.changed_fields == ["cases"] and rev.message == "one more case"


def test_a_bad_cell_in_the_case_table_is_named(rita: Client, loaded: Any) -> None:
    data = editor_post("digit_sum", library_content("digit_sum"), cases_source="table")
    data["case_args"], data["case_expected"] = ["[1]", "[2"], ["1", "2"]
    html = rita.post("/atoms/digit_sum/edit/", data, **HTMX).content.decode()
    assert "case 1: args are not valid JSON" in _msgs(html, "cases")


def test_without_htmx_a_save_redirects_to_the_edit_page(rita: Client) -> None:
    response = rita.post("/atoms/new/", editor_post("plain_post", library_content("digit_sum")))
    assert response.status_code == 302 and response["Location"] == "/atoms/plain_post/edit/"
    page = rita.get(response["Location"]).content.decode()
    assert 'data-status="valid"' in page and "plain_post: version 1, valid." in page


# --- what the editor says, and where ---------------------------------------------------------


def test_the_form_states_the_case_minimum_and_starts_new_rows_and_returns_at_int(rita: Client) -> None:
    html = rita.get("/atoms/new/").content.decode()
    assert html.count("At least 6 cases") == 2  # beside the atom's and the variant's cases
    returns = html.split('name="returns"', 1)[1].split("</select>", 1)[0]
    assert '<option value="int" selected>' in returns
    types = re.findall(r'<select name="param_type"[^>]*>(.*?)</select>', html, re.S)
    assert types and all('<option value="int" selected>int</option>' in t for t in types)


def test_malformed_cases_json_says_nothing_was_saved_and_where(rita: Client, loaded: Any) -> None:
    content = library_content("digit_sum")
    post = editor_post("digit_sum", content, cases_json='[{"args": [1], "expected": 1},')
    html = rita.post("/atoms/digit_sum/edit/", post, **HTMX).content.decode()
    status = html.split('id="save-status"', 1)[1].split("</div>", 1)[0]
    assert 'data-status="unsaved"' in status and "Not saved." in status
    assert "Version 1 is unchanged" in status and "Cases: not valid JSON: line 1, column 31" in status
    assert "Invalid" not in status and "draft" not in status  # nothing was kept as a draft
    assert "The JSON below does not parse, so nothing was saved and this table cannot show it" in html
    assert "not valid JSON" in _msgs(html, "cases")
    cases_table = html.split('data-cases=""', 1)[1].split("</table>", 1)[0]
    assert '"args"' not in cases_table and 'value="[0]"' not in cases_table  # no stale cases beside it
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.version == 1 and atom.cases == content["cases"]


def test_a_saved_draft_ends_its_status_with_one_period(rita: Client, loaded: Any) -> None:
    post = editor_post(
        "digit_sum", library_content("digit_sum"), solution="def digit_sum(n: int) -> int:\n  (\n"
    )
    html = rita.post("/atoms/digit_sum/edit/", post, **HTMX).content.decode()
    status = re.sub(r"\s+", " ", html.split('id="save-status"', 1)[1].split("<ul", 1)[0])
    assert "✗ Invalid, kept as a draft." in status and ".." not in status


def test_saving_again_does_not_multiply_the_empty_parameter_rows(rita: Client, loaded: Any) -> None:
    content = library_content("rotate_left")  # two parameters
    counts = []
    for _ in range(3):
        html = rita.post(
            "/atoms/rotate_left/edit/", editor_post("rotate_left", content), **HTMX
        ).content.decode()
        counts.append(html.count('name="param_name"'))
    assert counts == [4, 4, 4]  # the two parameters and two spare rows, every time

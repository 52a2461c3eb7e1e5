"""The atoms pages with pytest-django: list and detail (whole page and htmx partial), who may
do what, annotation, review, bulk actions, import and export."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.webapp.atoms.helpers import editor_post, library_content
from webapp.atoms.models import Atom, AtomReview, ReviewState, ValidationStatus
from webapp.atoms.services import atom_content, atom_update, atoms_validate

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rita(client: Client, researcher: Any) -> Client:
    client.force_login(researcher)
    return client


@pytest.fixture
def vera(client: Client, viewer: Any) -> Client:
    client.force_login(viewer)
    return client


def _slugs(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-slug="([a-z0-9_]+)"', html)


# --- list -----------------------------------------------------------------------------------


def test_list_shows_every_atom_with_counts_per_topic_and_pages(vera: Client, loaded: Any) -> None:
    html = vera.get("/atoms/").content.decode()
    assert "<html" in html and 'id="filters"' in html
    assert "100 atoms" in html and "page 1 of 2" in html
    assert len(_slugs(html)) == 50
    assert re.search(r'topic=numbers" class="topic-count">numbers <b>10</b>', html)
    assert "New atom" not in html  # viewers get no editing controls
    page2 = vera.get("/atoms/?page=2").content.decode()
    assert len(_slugs(page2)) == 50 and not set(_slugs(page2)) & set(_slugs(html))


def test_list_for_htmx_renders_only_the_results(vera: Client, loaded: Any) -> None:
    response = vera.get("/atoms/?topic=strings", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="filters"' not in html
    assert html.lstrip().startswith('<div id="results"') and len(_slugs(html)) == 10


def test_search_matches_slug_and_both_prompts(vera: Client, loaded: Any) -> None:
    assert _slugs(vera.get("/atoms/?q=rotate_left").content.decode()) == ["rotate_left"]
    zh = Atom.objects.get(slug="digit_sum").prompt_zh[5:10]
    assert "digit_sum" in _slugs(vera.get("/atoms/", {"q": zh}).content.decode())
    both = _slugs(vera.get("/atoms/?q=digits+sum").content.decode())
    assert "digit_sum" in both and all("digit" in Atom.objects.get(slug=s).prompt_en.lower() for s in both)


def test_filters_combine_and_sorting_orders_the_rows(vera: Client, loaded: Any, researcher: Any) -> None:
    atom = Atom.objects.get(slug="digit_sum")
    atom.review_state = ReviewState.APPROVED
    atom.save(update_fields=["review_state"])
    assert _slugs(vera.get("/atoms/?review=approved").content.decode()) == ["digit_sum"]
    hard = _slugs(vera.get("/atoms/?difficulty=3&topic=numbers").content.decode())
    assert hard and all(Atom.objects.get(slug=s).difficulty == 3 for s in hard)
    assert set(_slugs(vera.get("/atoms/?tag=digits").content.decode())) == {
        a.slug for a in Atom.objects.all() if "digits" in a.tags
    }
    zh_first = {a.slug for a in Atom.objects.filter(original_lang="zh")}
    assert set(_slugs(vera.get("/atoms/?lang=zh").content.decode())) == zh_first
    ordered = _slugs(vera.get("/atoms/?sort=-difficulty").content.decode())
    difficulties = [Atom.objects.get(slug=s).difficulty for s in ordered]
    assert difficulties == sorted(difficulties, reverse=True)
    counts = vera.get("/atoms/?topic=numbers&difficulty=1").content.decode()
    assert "topic=strings" in counts  # counts per topic ignore the topic filter itself


def test_an_atom_that_fails_validation_is_marked_in_the_list(
    vera: Client, loaded: Any, researcher: Any
) -> None:
    atom = Atom.objects.get(slug="digit_sum")
    content = atom_content(atom)
    atom_update(
        atom=atom, content={**content, "solution": content["solution"].replace("abs(n)", "n")}, by=researcher
    )
    atoms_validate(atoms=[Atom.objects.get(slug="digit_sum")])
    html = vera.get("/atoms/?status=invalid").content.decode()
    assert _slugs(html) == ["digit_sum"]
    assert '<tr class="row-invalid" data-slug="digit_sum">' in html and "✗ invalid" in html


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_prompts_highlighted_code_cases_variant_diff_and_history(
    vera: Client, loaded: Any, researcher: Any
) -> None:
    atoms_validate(atoms=[Atom.objects.get(slug="rotate_left")])
    atom = Atom.objects.get(slug="rotate_left")
    content = atom_content(atom)
    atom_update(
        atom=atom, content={**content, "prompt_en": content["prompt_en"] + " Quickly."}, by=researcher
    )
    html = vera.get("/atoms/rotate_left/").content.decode()
    assert atom.prompt_en[:40] in html and atom.prompt_zh[:10] in html
    assert "def rotate_left(xs: list[int], k: int) -&gt; list[int]" in html
    assert '<div class="hl"><pre>' in html and '<span class="k">def</span>' in html
    assert html.count('<tr class="case notrun"') == len(atom.cases) + len(content["modify"]["cases"])
    assert 'class="dl add"' in html and 'class="dl del"' in html  # variant diff and revision diff
    assert "r2 · Edited in the app · rita" in html and "Quickly." in html
    assert "Edit</a>" not in html


def test_detail_case_table_shows_the_latest_verdict_per_case(vera: Client, loaded: Any) -> None:
    atoms_validate(atoms=[Atom.objects.get(slug="rotate_left")])
    atom = Atom.objects.get(slug="rotate_left")
    html = vera.get("/atoms/rotate_left/").content.decode()
    assert html.count('<tr class="case passed"') == len(atom.cases) + len(atom.variants.get().cases)


def test_detail_of_an_unknown_atom_is_404(vera: Client, db: Any) -> None:
    assert vera.get("/atoms/no_such_atom/").status_code == 404


def test_validate_now_answers_with_the_verdict_partial(rita: Client, loaded: Any) -> None:
    response = rita.post("/atoms/digit_sum/validate/", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="verdict">') and "✓ passed" in html
    assert Atom.objects.get(slug="digit_sum").status == ValidationStatus.VALID


# --- permissions ----------------------------------------------------------------------------

WRITES = [
    ("get", "/atoms/new/"),
    ("post", "/atoms/new/"),
    ("get", "/atoms/digit_sum/edit/"),
    ("post", "/atoms/digit_sum/edit/"),
    ("post", "/atoms/digit_sum/validate/"),
    ("post", "/atoms/digit_sum/annotate/"),
    ("post", "/atoms/digit_sum/review/"),
    ("post", "/atoms/review/digit_sum/"),
    ("post", "/atoms/bulk/"),
    ("post", "/atoms/validate/"),
    ("get", "/atoms/import/"),
    ("post", "/atoms/import/"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
def test_viewers_get_403_on_every_write(vera: Client, loaded: Any, method: str, url: str) -> None:
    data = {
        "state": "approved",
        "slugs": ["digit_sum"],
        "action": "tag",
        "tag": "x",
        "tags": "x",
        "difficulty": "1",
    }
    response = getattr(vera, method)(url, data if method == "post" else None)
    assert response.status_code == 403
    assert Atom.objects.get(slug="digit_sum").review_state == ReviewState.UNREVIEWED
    assert Atom.objects.get(slug="digit_sum").version == 1


@pytest.mark.parametrize(
    "url", ["/atoms/", "/atoms/digit_sum/", "/atoms/new/", "/atoms/review/", "/atoms/export/atoms.jsonl"]
)
def test_anonymous_visitors_are_sent_to_log_in(client: Client, loaded: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_viewers_read_the_list_detail_queue_and_export(vera: Client, loaded: Any) -> None:
    for url in ("/atoms/", "/atoms/digit_sum/", "/atoms/review/", "/atoms/export/atoms.jsonl"):
        assert vera.get(url).status_code == 200, url


# --- annotation and review ------------------------------------------------------------------


def test_annotating_logs_tags_difficulty_and_notes_without_a_new_version(
    rita: Client, loaded: Any, researcher: Any
) -> None:
    atoms_validate(atoms=[Atom.objects.get(slug="digit_sum")])
    response = rita.post(
        "/atoms/digit_sum/annotate/", {"tags": "digits, easy", "difficulty": "2", "notes": "check -0"}, **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="annotations">') and "check -0" in html
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.tags == ["digits", "easy"] and atom.difficulty == 2 and atom.notes == "check -0"
    assert atom.version == 1 and atom.revisions.count() == 1  # annotations are no content version
    assert atom.status == ValidationStatus.VALID  # a tag does not change what the code does
    events = {e.kind: e for e in AtomReview.objects.filter(atom=atom)}
    assert set(events) == {AtomReview.Kind.ANNOTATIONS, AtomReview.Kind.NOTES}
    assert events[AtomReview.Kind.ANNOTATIONS].changes == {
        "tags": [["digits"], ["digits", "easy"]],
        "difficulty": [1, 2],
    }
    assert "tags: digits → digits, easy" in html


def test_reviewing_records_who_when_and_which_version(rita: Client, loaded: Any, researcher: Any) -> None:
    html = rita.post("/atoms/digit_sum/review/", {"state": "needs_work"}, **HTMX).content.decode()
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.review_state == ReviewState.NEEDS_WORK and atom.reviewed_by == researcher
    assert atom.reviewed_at is not None and atom.reviewed_version == 1 and atom.version == 1
    assert "needs work" in html and "by rita" in html
    event = AtomReview.objects.get(atom=atom)
    assert (event.kind, event.state, event.by, event.atom_version) == ("review", "needs_work", researcher, 1)


def test_review_queue_walks_unreviewed_atoms_in_list_order(rita: Client, loaded: Any) -> None:
    first, second, third = Atom.objects.order_by("topic", "slug").values_list("slug", flat=True)[:3]
    page = rita.get("/atoms/review/").content.decode()
    assert f'data-slug="{first}"' in page and 'data-hotkey="a"' in page and "1 of 100" in page
    card = rita.post(
        f"/atoms/review/{first}/", {"state": "approved", "queue": "unreviewed"}, **HTMX
    ).content.decode()
    assert card.lstrip().startswith(f'<div id="queue-card" data-slug="{second}"') and "1 of 99" in card
    card = rita.get(f"/atoms/review/?at={second}", **HTMX).content.decode()
    assert f"at={third}" in card and 'data-hotkey="j"' in card
    assert Atom.objects.get(slug=first).review_state == ReviewState.APPROVED


def test_bulk_actions_tag_and_review_the_ticked_atoms(rita: Client, loaded: Any) -> None:
    picked = ["digit_sum", "rotate_left"]
    response = rita.post(
        "/atoms/bulk/", {"action": "tag", "tag": "core", "slugs": picked, "next": "/atoms/?topic=lists"}
    )
    assert response.status_code == 302 and response["Location"] == "/atoms/?topic=lists"
    for slug in picked:
        atom = Atom.objects.get(slug=slug)
        assert atom.tags[-1] == "core" and atom.version == 1 and not atom.edited_in_app
    rita.post("/atoms/bulk/", {"action": "review", "state": "approved", "slugs": picked})
    assert set(Atom.objects.filter(review_state="approved").values_list("slug", flat=True)) == set(picked)
    response = rita.post("/atoms/bulk/", {"action": "tag", "tag": "", "slugs": picked}, follow=True)
    assert "Nothing changed: name the tag to add." in response.content.decode()


# --- import and export ----------------------------------------------------------------------


def _upload(text: str, name: str = "atoms.jsonl") -> io.BytesIO:
    f = io.BytesIO(text.encode())
    f.name = name
    return f


def test_export_writes_one_record_per_atom_that_imports_back_unchanged(rita: Client, loaded: Any) -> None:
    response = rita.get("/atoms/export/atoms.jsonl")
    assert response["Content-Disposition"] == 'attachment; filename="atoms.jsonl"'
    text = b"".join(response.streaming_content).decode()
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 100 and records[0]["slug"] and set(records[0]["modify"]) >= {"solution", "cases"}
    html = rita.post("/atoms/import/", {"file": _upload(text), "apply": "0"}, **HTMX).content.decode()
    assert 'leave <b>100</b> unchanged and reject <b class="">0</b>' in html


def test_import_preview_writes_nothing_and_says_why_a_line_is_rejected(rita: Client, loaded: Any) -> None:
    good = {"slug": "digit_sum_copy", **library_content("digit_sum")}
    changed = {"slug": "rotate_left", **library_content("rotate_left"), "difficulty": 3}
    bad = {**good, "slug": "other", "cases": [{"args": [1]}]}
    text = "\n".join([json.dumps(good), json.dumps(changed), "{not json", json.dumps(bad)])
    html = rita.post("/atoms/import/", {"file": _upload(text), "apply": "0"}, **HTMX).content.decode()
    assert "create <b>1</b>, change <b>1</b>" in html and "Nothing has been written yet" in html
    assert "line 3: not valid JSON: column 2: Expecting property name" in html
    assert "line 4: cases[0] must be an object with exactly the keys args and expected" in html
    assert "fields: difficulty" in html
    assert not Atom.objects.filter(slug="digit_sum_copy").exists()
    assert Atom.objects.get(slug="rotate_left").difficulty != 3


def test_import_applies_every_good_line_and_validates_them(rita: Client, loaded: Any) -> None:
    good = {"slug": "digit_sum_copy", **library_content("digit_sum")}
    changed = {"slug": "rotate_left", **library_content("rotate_left"), "difficulty": 3}
    text = "\n".join([json.dumps(good), '{"slug": "x"}', json.dumps(changed)])
    html = rita.post("/atoms/import/", {"file": _upload(text), "apply": "1"}, **HTMX).content.decode()
    assert "<b>2</b> atoms written (1 new, 1 changed)" in html and "line 2: missing field" in html
    assert Atom.objects.get(slug="digit_sum_copy").status == ValidationStatus.VALID
    rotate = Atom.objects.get(slug="rotate_left")
    # a new difficulty is an annotation: logged, no new version
    assert rotate.difficulty == 3 and rotate.version == 1
    assert rotate.reviews.get(kind="annotations").changes == {"difficulty": [1, 3]}


def test_import_refuses_a_file_that_is_not_utf8(rita: Client, db: Any) -> None:
    upload = io.BytesIO(b'{"slug": "caf\xe9"}\n')
    upload.name = "latin1.jsonl"
    html = rita.post("/atoms/import/", {"file": upload, "apply": "0"}, **HTMX).content.decode()
    assert "the file is not UTF-8 text (line 1, byte 13)" in html


def test_an_imported_draft_is_kept_and_marked_invalid(rita: Client, db: Any) -> None:
    draft = {
        "slug": "draft_one",
        **library_content("digit_sum"),
        "solution": "def digit_sum(n: int) -> int:\n  return (\n",
    }
    html = rita.post(
        "/atoms/import/", {"file": _upload(json.dumps(draft)), "apply": "1"}, **HTMX
    ).content.decode()
    assert "will be invalid: reference solution: syntax error on line 2" in html
    assert Atom.objects.get(slug="draft_one").status == ValidationStatus.INVALID


def test_the_editor_form_builder_round_trips_a_library_atom(rita: Client, loaded: Any) -> None:
    # Saving an unchanged atom from its own edit page writes no revision.
    data = editor_post("digit_sum", library_content("digit_sum"))
    rita.post("/atoms/digit_sum/edit/", data, **HTMX)
    assert Atom.objects.get(slug="digit_sum").version == 1


# --- links, export, annotations, viewers -----------------------------------------------------


def test_export_writes_what_the_list_shows_under_its_filters(vera: Client, loaded: Any) -> None:
    listed = _slugs(vera.get("/atoms/?topic=strings&difficulty=1").content.decode())
    page = vera.get("/atoms/?topic=strings&difficulty=1").content.decode()
    assert 'href="/atoms/export/atoms.jsonl?topic=strings&amp;difficulty=1"' in page
    response = vera.get("/atoms/export/atoms.jsonl?topic=strings&difficulty=1")
    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [r["slug"] for r in records] == listed and 0 < len(records) < 10
    assert 'filename="atoms-filtered.jsonl"' in response["Content-Disposition"]


def test_bulk_tag_keeps_the_version_and_the_approval(rita: Client, loaded: Any, researcher: Any) -> None:
    rita.post("/atoms/digit_sum/review/", {"state": "approved"})
    rita.post("/atoms/bulk/", {"action": "tag", "tag": "core", "slugs": ["digit_sum"]})
    atom = Atom.objects.get(slug="digit_sum")
    assert atom.tags[-1] == "core" and atom.version == 1 and atom.revisions.count() == 1
    assert atom.review_state == ReviewState.APPROVED and not atom.review_is_stale and not atom.edited_in_app
    html = rita.get("/atoms/digit_sum/").content.decode()
    assert "(edited in the app)" not in html and "tags: digits → digits, core" in html


def test_the_original_language_filter_says_how_many_atoms_each_language_has(
    vera: Client, loaded: Any
) -> None:
    html = vera.get("/atoms/").content.decode()
    lang = html.split('name="lang"', 1)[1].split("</select>", 1)[0]
    assert "Original language" in html and "Written in" not in html
    assert ">English (100)</option>" in lang and ">Chinese (0)</option>" in lang


def test_viewers_see_no_write_controls(vera: Client, loaded: Any) -> None:
    pages = [vera.get(url).content.decode() for url in ("/atoms/", "/atoms/digit_sum/", "/atoms/review/")]
    for html in pages:
        for control in (
            "New atom",
            "Validate all",
            'name="slugs"',
            "Save annotations",
            "/edit/",
            'data-hotkey="a"',
        ):
            assert control not in html, control
    assert "<kbd>j</kbd> next" in pages[2] and "<kbd>a</kbd> approve" not in pages[2]


def test_import_results_link_to_the_atoms(rita: Client, loaded: Any) -> None:
    good = {"slug": "digit_sum_copy", **library_content("digit_sum")}
    html = rita.post(
        "/atoms/import/", {"file": _upload(json.dumps(good)), "apply": "1"}, **HTMX
    ).content.decode()
    assert '<a href="/atoms/digit_sum_copy/"><code>digit_sum_copy</code></a>' in html

"""Two researchers editing one atom (the second save used to undo the first), and slugs
that Python calls identifiers but URLs cannot carry (数组求和 was stored, then every list
page returned 500)."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.webapp.atoms.helpers import editor_post, library_content
from webapp.atoms.models import Atom
from webapp.atoms.services import atom_create


def _base_version(html: str) -> str:
    match = re.search(r'name="base_version" value="(\d+)"', html)
    assert match, "the editor does not carry the version it was opened at"
    return match.group(1)


def _text(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def two_researchers(db: Any) -> tuple[Client, Client]:
    rita, bob = Client(), Client()
    rita.force_login(UserFactory(username="rita", role="researcher"))
    bob.force_login(UserFactory(username="bob", role="researcher"))
    return rita, bob


def test_a_save_over_a_newer_version_shows_both_instead_of_undoing_it(two_researchers: Any) -> None:
    rita, bob = two_researchers
    content = library_content("digit_sum")
    atom_create(slug="digit_sum", content=content, by=None)
    # Both open the editor at version 1.
    opened_by_rita = _base_version(rita.get("/atoms/digit_sum/edit/").content.decode())
    opened_by_bob = _base_version(bob.get("/atoms/digit_sum/edit/").content.decode())
    assert opened_by_rita == opened_by_bob == "1"

    rita_prompt = content["prompt_en"] + " Rita's clarification."
    response = rita.post(
        "/atoms/digit_sum/edit/",
        editor_post("digit_sum", content, prompt_en=rita_prompt, base_version=opened_by_rita),
    )
    assert response.status_code == 302
    assert Atom.objects.get(slug="digit_sum").version == 2

    bob_tags = "digits, bob"
    response = bob.post(
        "/atoms/digit_sum/edit/", editor_post("digit_sum", content, tags=bob_tags, base_version=opened_by_bob)
    )
    html = response.content.decode()
    atom = Atom.objects.get(slug="digit_sum")
    assert (atom.version, atom.prompt_en) == (2, rita_prompt)  # Rita's change survives
    text = _text(html)
    assert "Not saved: rita saved version 2 while you were editing" in text
    rows = dict(re.findall(r'<tr data-field="([^"]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"prompt_en", "tags"}
    assert "Rita&#x27;s clarification." in rows["prompt_en"]  # theirs, beside yours
    assert "bob" in rows["tags"]
    assert 'value="digits, bob"' in html  # Bob's typing is kept in the form
    assert _base_version(html) == "2"

    # Saving again is a deliberate choice over version 2 (here: Bob brought Rita's prompt over).
    response = bob.post(
        "/atoms/digit_sum/edit/",
        editor_post("digit_sum", content, prompt_en=rita_prompt, tags=bob_tags, base_version="2"),
    )
    assert response.status_code == 302
    atom = Atom.objects.get(slug="digit_sum")
    # Tags are an annotation (issue 12): Bob's save changes them without a new version.
    assert (atom.version, atom.prompt_en, atom.tags) == (2, rita_prompt, ["digits", "bob"])


def test_a_non_ascii_slug_is_refused_next_to_the_field_and_nothing_is_stored(
    client: Client, researcher: Any
) -> None:
    client.force_login(researcher)
    content = library_content("digit_sum")
    response = client.post(
        "/atoms/new/", editor_post("数组求和", {**content, "entry_point": "f"}, entry_point="f")
    )
    assert response.status_code == 200
    match = re.search(r'<div class="msgs" data-for="slug">(.*?)</div>', response.content.decode(), re.S)
    assert match and "must be ASCII: letters a-z, A-Z, digits and _" in _text(match.group(1))
    assert not Atom.objects.exists()


def test_a_non_ascii_slug_is_refused_by_the_import(client: Client, researcher: Any) -> None:
    client.force_login(researcher)
    record = {"slug": "数组求和", **library_content("digit_sum")}
    upload = io.BytesIO(json.dumps(record, ensure_ascii=False).encode())
    upload.name = "atoms.jsonl"
    response = client.post("/atoms/import/", {"file": upload, "apply": "1"})
    assert "must be ASCII" in _text(response.content.decode())
    assert not Atom.objects.exists()


def test_pages_still_work_with_a_non_ascii_slug_stored_before_the_rule(
    client: Client, researcher: Any
) -> None:
    content = library_content("digit_sum")
    atom_create(slug="数组求和", content=content, by=None)
    client.force_login(researcher)
    for url in (
        "/atoms/",
        f"/atoms/?topic={content['topic']}",
        "/atoms/?q=数组",
        "/atoms/review/",
        "/atoms/数组求和/",
        "/atoms/数组求和/edit/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "/atoms/%E6%95%B0%E7%BB%84%E6%B1%82%E5%92%8C/" in client.get("/atoms/").content.decode()

"""Nothing a researcher gave is lost on a refusal: a benchmark import refused for its name
keeps the uploaded file (a staged upload) and says so; a refused recipe save is kept as a
draft that a reload restores. Mixture names are checked where they enter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.webapp.training.test_launch import errors_of
from webapp.mixtures.models import Benchmark, Mixture
from webapp.mixtures.services import mixture_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    """Staged uploads of each test in a folder of its own."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["bad name with spaces!", "-leading-dash", "tab\tname", "x" * 101])
def test_a_mixture_name_outside_the_rule_is_refused_at_the_name_saying_what_is_allowed(
    researcher: Any, name: str
) -> None:
    response = _client(researcher).post(reverse("mixture-new"), {"name": name, "seed": 0})
    assert response.status_code == 400
    shown = " ".join(errors_of(response.content.decode())["name"])
    assert "letters, digits, '-', '_' and '.'" in shown or "at most 100 characters" in shown, shown
    assert not Mixture.objects.exists()


def test_a_mixture_name_within_the_rule_opens_the_builder(researcher: Any) -> None:
    response = _client(researcher).post(reverse("mixture-new"), {"name": "paper-modify_v1.2", "seed": 0})
    assert response.status_code == 302 and Mixture.objects.get().name == "paper-modify_v1.2"


def test_a_refused_save_is_kept_as_a_draft_that_a_reload_restores_until_discarded(
    loaded: Any, researcher: Any
) -> None:
    mixture = mixture_create(name="m", by=None)
    client = _client(researcher)
    draft = {
        "seed": "5",
        "tokenizer": "whitespace",
        "source": ["atom_base", "atom_modify"],
        "ratio": ["250", "700"],
        "lang": ["en", "zh"],
        "role": ["train", "eval"],
    }
    assert client.post(reverse("mixture-save", args=[mixture.pk]), draft).status_code == 400
    page = client.get(reverse("mixture", args=[mixture.pk])).content.decode()
    assert 'id="draft-restored"' in page and "Restored your unsaved draft." in page
    assert (
        'value="250"' in page
        and 'value="700"' in page
        and 'id="seed" name="seed" type="number" value="5"' in page
    )
    assert "ratio 700% is outside 1%–600%" in page  # what was wrong, shown again
    # Another researcher opening the mixture sees the stored version, not this session's draft.
    other = _client(UserFactory(username="otto", role="researcher"))
    assert 'id="draft-restored"' not in other.get(reverse("mixture", args=[mixture.pk])).content.decode()
    response = client.get(reverse("mixture", args=[mixture.pk]) + "?draft=discard")
    assert response.status_code == 302
    page = client.get(reverse("mixture", args=[mixture.pk])).content.decode()
    assert 'id="draft-restored"' not in page and 'value="700"' not in page
    # A problem only the save finds (an unknown source) is kept with the draft too.
    unknown = {**draft, "source": ["atom_base", "no_such_source"], "ratio": ["250", "100"]}
    assert client.post(reverse("mixture-save", args=[mixture.pk]), unknown).status_code == 400
    page = client.get(reverse("mixture", args=[mixture.pk])).content.decode()
    assert "Restored your unsaved draft." in page and "unknown source &#x27;no_such_source&#x27;" in page
    # A save that goes through leaves no draft behind.
    client.post(reverse("mixture-save", args=[mixture.pk]), draft)
    good = {**draft, "ratio": ["250", "100"]}
    assert client.post(reverse("mixture-save", args=[mixture.pk]), good).status_code == 302
    page = client.get(reverse("mixture", args=[mixture.pk])).content.decode()
    assert 'id="draft-restored"' not in page and mixture.latest.items[1]["ratio"] == "100"


def _staged_token(html: str) -> str:
    match = re.search(r'<input type="hidden" name="staged" value="([^"]+)">', html)
    assert match, "no staged upload on the page"
    return match.group(1)


def test_a_benchmark_name_error_lands_at_the_name_and_the_file_is_kept_for_the_next_submit(
    researcher: Any, humaneval_path: Path
) -> None:
    client = _client(researcher)
    with humaneval_path.open("rb") as fh:
        response = client.post(reverse("benchmarks"), {"name": "Human Eval", "file": fh})
    html = response.content.decode()
    assert response.status_code == 400
    shown = errors_of(html)
    assert "lowercase letters, digits, '-' and '_'" in " ".join(shown["name"]) and "file" not in shown
    assert f"Using <b>{humaneval_path.name}</b> (uploaded" in html and "Not saved." in html
    token = _staged_token(html)
    staged = Path(settings.VAR_DIR) / "staged-uploads" / f"{token}.upload"
    assert staged.read_bytes() == humaneval_path.read_bytes()

    # Another session cannot use the token; this one imports without picking the file again.
    stranger = _client(UserFactory(username="sam", role="researcher"))
    refused = stranger.post(reverse("benchmarks"), {"name": "humaneval", "staged": token})
    assert "choose the HumanEval-format file" in " ".join(errors_of(refused.content.decode())["file"])
    response = client.post(reverse("benchmarks"), {"name": "humaneval", "staged": token})
    assert response.status_code == 302, errors_of(response.content.decode())
    benchmark = Benchmark.objects.get(name="humaneval")
    assert benchmark.file_name == humaneval_path.name and benchmark.problem_count == 164
    assert not staged.exists()


def test_an_existing_benchmark_name_and_a_missing_file_are_both_shown_at_once(
    researcher: Any, humaneval_path: Path
) -> None:
    client = _client(researcher)
    with humaneval_path.open("rb") as fh:
        assert client.post(reverse("benchmarks"), {"name": "he", "file": fh}).status_code == 302
    shown = errors_of(client.post(reverse("benchmarks"), {"name": "he"}).content.decode())
    assert "already exists" in " ".join(shown["name"]) and "choose the HumanEval-format file" in " ".join(
        shown["file"]
    )

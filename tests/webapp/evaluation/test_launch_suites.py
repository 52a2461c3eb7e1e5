"""The evaluation form offers as suites only snapshots with eval rows, and says why others
are absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.webapp.training.conftest import make_snapshot

pytestmark = pytest.mark.django_db


def _page(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("eval-launch")).content.decode()


def test_train_only_snapshots_are_not_offered_as_suites_and_the_help_says_why(
    researcher: Any, artifacts: Path
) -> None:
    train, held = make_snapshot("train"), make_snapshot("eval")
    html = _page(researcher)
    suites = html.split('data-field="snapshots"', 1)[1].split('<p class="help', 1)[0]
    assert f'value="{held.pk}"' in suites and held.short in suites
    assert f'value="{train.pk}"' not in suites and train.short not in suites
    assert "only snapshots with eval rows are listed (1 with train rows only left out" in html
    assert "There is no frozen snapshot with eval rows" not in html


def test_with_only_train_snapshots_the_page_says_there_is_nothing_to_evaluate_on(
    researcher: Any, artifacts: Path
) -> None:
    make_snapshot("train")
    assert "There is no frozen snapshot with eval rows to evaluate on." in _page(researcher)

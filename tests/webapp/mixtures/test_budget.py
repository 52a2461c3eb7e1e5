"""Previews are counted, not built, and a recipe past the size budget is refused; a viewer
cannot make the server do this work at all. (Before: a viewer ran a 30 s, 535 MB preview of
20 items of a 105k-problem benchmark at 600 %.)"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from webapp.mixtures.models import MixtureVersion
from webapp.mixtures.services import benchmark_import, mixture_create

HTMX = {"HTTP_HX_REQUEST": "true"}


def _benchmark(n: int) -> bytes:
    rows = (
        {
            "task_id": f"Big/{i}",
            "prompt": f"def f{i}(x):\n",
            "canonical_solution": "    return x\n",
            "test": "def check(c):\n    assert c(1) == 1\n",
            "entry_point": f"f{i}",
        }
        for i in range(n)
    )
    return "\n".join(json.dumps(r) for r in rows).encode()


def _recipe(items: int, source: str = "benchmark:big", ratio: str = "600") -> dict[str, Any]:
    return {
        "seed": "0",
        "tokenizer": "whitespace",
        "source": [source] * items,
        "ratio": [ratio] * items,
        "lang": ["en"] * items,
        "role": ["eval"] * items,
    }


@pytest.fixture
def big(db: Any, settings: Any) -> None:
    settings.MIXTURE_MAX_ROWS = 50_000
    benchmark_import(name="big", data=_benchmark(2000), by=None)


def test_a_viewer_cannot_run_a_preview(client: Client, viewer: Any, big: None) -> None:
    client.force_login(viewer)
    response = client.post("/datasets/mixtures/preview", _recipe(20), **HTMX)
    assert response.status_code == 403


def test_a_preview_past_the_budget_is_counted_not_built_and_says_so(
    client: Client, researcher: Any, big: None, django_assert_max_num_queries: Any
) -> None:
    client.force_login(researcher)
    with django_assert_max_num_queries(8):  # one count for 20 items, not 20 reads of 2000 rows
        response = client.post("/datasets/mixtures/preview", _recipe(20), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<td class="num rows">(\d+)</td>', html) == ["12000"] * 20
    assert '<th class="num" id="preview-total">240000</th>' in html
    assert "this recipe would make 240,000 rows; a snapshot holds at most 50,000" in html


def test_a_recipe_past_the_budget_is_refused_on_save_and_freeze(
    client: Client, researcher: Any, big: None
) -> None:
    client.force_login(researcher)
    mixture = mixture_create(name="huge", seed=0, by=researcher)
    for action in ("save", "freeze"):
        response = client.post(f"/datasets/mixtures/{mixture.pk}/{action}", _recipe(20))
        assert response.status_code == 400
        assert "this recipe would make 240,000 rows" in response.content.decode()
    assert MixtureVersion.objects.get(mixture=mixture).items == []
    # Within the budget the same source saves.
    assert client.post(f"/datasets/mixtures/{mixture.pk}/save", _recipe(2)).status_code == 302


def test_a_recipe_with_too_many_sources_is_refused_before_counting(
    client: Client, researcher: Any, big: None
) -> None:
    client.force_login(researcher)
    response = client.post("/datasets/mixtures/preview", _recipe(51, ratio="1"), **HTMX)
    assert "a recipe may have at most 50 sources, not 51" in response.content.decode()

"""Addresses that serve a fragment to htmx (the builder's "Add source" row, a freeze's
progress, the live preview) answered a plain browser request with a NoReverseMatch 500.
Each now answers a plain request with the full page it belongs to, or a 400 that says
where to go."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from webapp.core.jobs import job_create
from webapp.mixtures.services import mixture_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rita(client: Client, researcher: Any) -> Client:
    client.force_login(researcher)
    return client


@pytest.fixture
def freeze_job(researcher: Any) -> Any:
    mixture = mixture_create(name="mix", seed=0, by=researcher)
    return mixture, job_create(
        kind="mixtures.freeze", by=researcher, params={"version_id": mixture.latest.pk}
    )


def test_the_item_row_answers_a_plain_get_with_a_400_that_says_where_to_go(rita: Client) -> None:
    response = rita.get("/datasets/mixtures/item-row")
    assert response.status_code == 400
    assert "part of the mixture builder" in response.content.decode()
    assert 'href="/datasets/"' in response.content.decode()
    fragment = rita.get("/datasets/mixtures/item-row", **HTMX)
    assert fragment.status_code == 200 and 'name="source"' in fragment.content.decode()


def test_a_freeze_status_opened_in_the_browser_shows_its_builder(rita: Client, freeze_job: Any) -> None:
    mixture, job = freeze_job
    response = rita.get(f"/datasets/freeze/{job.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/datasets/mixtures/{mixture.pk}/?job={job.pk}"
    page = rita.get(response["Location"])
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert rita.get(f"/datasets/freeze/{job.pk}/", **HTMX).status_code == 200


def test_the_preview_answers_a_plain_post_with_a_400_and_a_get_with_a_405(rita: Client) -> None:
    data = {"source": ["atom_base"], "ratio": ["100"], "lang": ["en"], "role": ["train"], "seed": "0"}
    response = rita.post("/datasets/mixtures/preview", data)
    assert response.status_code == 400
    assert "part of the mixture builder" in response.content.decode()
    assert rita.get("/datasets/mixtures/preview").status_code == 405
    assert rita.post("/datasets/mixtures/preview", data, **HTMX).status_code == 200

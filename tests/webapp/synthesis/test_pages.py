"""The composites pages link to what a composite is made of and what holds it, and a run's
page says what it asked for and what it stored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from webapp.core.models import BackgroundJob
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.synthesis.models import Composite, SynthesisRun
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute


@pytest.fixture
def stored(loaded: Any, researcher: Any) -> SynthesisRun:
    """A finished run that stored two small pools (judged in the real sandbox)."""
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 6, "B": 3}, seed=0), enqueue=False)
    run_execute(run=run)
    return run


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_run_page_shows_its_pools_as_written_and_what_it_stored(stored: SynthesisRun, viewer: Any) -> None:
    html = _client(viewer).get(reverse("synthesis-run", args=[stored.pk])).content.decode()
    assert "pools A=6, B=3" in html and "{&#x27;A&#x27;" not in html
    listed = html.split('id="stored"', 1)[1].split("</ul>", 1)[0]
    assert '<a href="/composites/?pool=A">pool A</a>: 6 composites' in listed
    assert "pool B</a>: 3 composites" in listed


def test_a_finished_job_announces_itself_so_pages_refresh_what_it_changed(
    stored: SynthesisRun, viewer: Any
) -> None:
    assert stored.job_id is not None
    response = _client(viewer).get(reverse("job", args=[stored.job_id]), HTTP_HX_REQUEST="true")
    assert '"job-finished"' in response["HX-Trigger"] and '"status": "succeeded"' in response["HX-Trigger"]
    page = _client(viewer).get(reverse("synthesis-run", args=[stored.pk])).content.decode()
    assert 'hx-trigger="job-finished from:body"' in page
    running = BackgroundJob.objects.create(kind="x", status="running", total=3)
    response = _client(viewer).get(reverse("job", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in response and 'hx-trigger="every 1s"' in response.content.decode()


def test_composite_and_atom_pages_link_each_other(stored: SynthesisRun, viewer: Any) -> None:
    composite = Composite.objects.order_by("pool", "index").first()
    assert composite is not None
    client = _client(viewer)
    html = client.get(reverse("composite", args=[composite.pk])).content.decode()
    made_of = html.split('id="made-of"', 1)[1].split("</section>", 1)[0]
    for slug in composite.chain:
        assert f'href="/atoms/{slug}/"' in made_of
    assert f'href="/composites/runs/{stored.pk}/"' in html
    atom = client.get(reverse("atom", args=[composite.chain[0]])).content.decode()
    used = atom.split('id="atom-composites"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/composites/{composite.pk}/"' in used
    listing = client.get(reverse("composites")).content.decode()
    assert f'<a href="/atoms/{composite.chain[0]}/">{composite.chain[0]}</a>' in listing


def test_a_composite_lists_the_snapshots_that_hold_it(
    stored: SynthesisRun, viewer: Any, settings: Any, tmp_path: Path
) -> None:
    settings.ARTIFACT_ROOT = str(tmp_path)
    mixture = mixture_create(name="c", by=None, items=[Item(source="composite:A", ratio=Decimal(100))])
    snapshot = snapshot_freeze(version=mixture.latest, by=None)
    composite = Composite.objects.filter(pool="A").first()
    other = Composite.objects.filter(pool="B").first()
    assert composite is not None and other is not None
    client = _client(viewer)
    holds = client.get(reverse("composite", args=[composite.pk])).content.decode()
    assert snapshot.short in holds.split('id="in-snapshots"', 1)[1].split("</section>", 1)[0]
    assert (
        "No snapshot holds this composite yet."
        in client.get(reverse("composite", args=[other.pk])).content.decode()
    )
    # and from the snapshot's rows back to the composite
    page = client.get(reverse("snapshot", args=[snapshot.sha256])).content.decode()
    assert f'href="/composites/?chain={quote(composite.chain_key, safe="/")}"' in page
    listing = client.get(reverse("composites"), {"chain": composite.chain_key}).content.decode()
    assert composite.key in listing and "1 composite " in listing

"""The dashboard leads: counts per stage, the next step of the workflow with its empty state,
what is running and what happened lately."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from webapp.atoms.models import Atom, ValidationStatus
from webapp.atoms.services import library_load
from webapp.core.dashboard import WORKFLOW, dashboard
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute


def _page(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("dashboard")).content.decode()


def _next_step(html: str) -> str:
    return html.split('id="next-step"', 1)[1].split("</section>", 1)[0]


def test_an_empty_database_leads_to_loading_the_atom_library(researcher: Any) -> None:
    html = _page(researcher)
    step = _next_step(html)
    assert 'id="next-step" data-stage="atoms"' in html
    assert "No atoms yet. Load the library of 100 hand-written atoms" in step
    assert f'action="{reverse("atoms-load-library")}"' in step and "Load the atom library" in step
    # later stages wait for this one instead of offering their own buttons
    assert html.count("Comes after atoms.") == 4  # composites, datasets, runs, evaluations
    assert "not built yet" not in html
    assert "No job is queued or running." in html and "Nothing has happened yet." in html


def test_a_viewer_is_told_the_step_without_a_button_to_press(viewer: Any) -> None:
    step = _next_step(_page(viewer))
    assert "No atoms yet." in step and "<button" not in step
    assert "This needs the researcher role" in step


def test_loading_the_library_from_the_dashboard_queues_its_validation(researcher: Any) -> None:
    client = Client()
    client.force_login(researcher)
    response = client.post(reverse("atoms-load-library"))
    assert Atom.objects.count() == 100
    assert response.status_code == 302 and response["Location"].startswith(f"{reverse('atoms')}?job=")
    page = client.get(response["Location"]).content.decode()
    assert "Atom library loaded: 100 created" in page and 'class="job"' in page
    step = _next_step(_page(researcher))
    assert "100 atoms have not been judged in the sandbox yet" in step and "Validate all atoms" in step


def test_valid_atoms_make_composites_the_next_step(researcher: Any) -> None:
    library_load()
    Atom.objects.update(status=ValidationStatus.VALID)
    html = _page(researcher)
    step = _next_step(html)
    assert "No composites yet. Synthesise pools" in step and reverse("synthesize") in step
    atoms_card = html.split('data-stage="atoms"', 2)[-1].split("</section>", 1)[0]
    assert '<b class="tone-ok">100</b> valid' in atoms_card and "100 atoms: created" in html


@pytest.mark.django_db(transaction=True)
def test_each_finished_stage_hands_on_to_the_next_until_runs(
    researcher: Any, settings: Any, tmp_path: Path
) -> None:
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    library_load()
    Atom.objects.update(status=ValidationStatus.VALID)
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 6, "B": 3}, seed=0), enqueue=False)
    run_execute(run=run)
    board = dashboard(researcher)
    assert board.next_card is not None and board.next_card.stage.slug == "datasets"
    composites = next(c for c in board.cards if c.stage.slug == "composites")
    assert composites.state is not None and [(c.label, c.value) for c in composites.state.counts] == [
        ("pool A", 6),
        ("pool B", 3),
    ]
    mixture = mixture_create(
        name="first", by=researcher, items=[Item(source="composite:A", ratio=Decimal(100))]
    )
    assert "Mixture first is not frozen yet" in _next_step(_page(researcher))
    snapshot_freeze(version=mixture.latest, by=researcher)
    html = _page(researcher)
    step = _next_step(html)
    assert "Next: Runs" in step and "No finished run yet" in step and "issue" not in html
    assert f"{reverse('run-launch')}?preset=sft-cpu" in step
    assert f"snapshot {mixture.latest.snapshots.get().short} frozen from first v1: 6 rows" in html


def test_adding_a_stage_is_one_entry_in_the_workflow_list() -> None:
    slugs = [s.slug for s in WORKFLOW]
    assert slugs == ["atoms", "composites", "datasets", "runs", "evaluations"]
    assert [s.built for s in WORKFLOW] == [True, True, True, True, True]

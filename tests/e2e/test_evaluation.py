"""A real browser walks an evaluation: the table, the comparison, a failed case, a review
label set with the keyboard, and the labelled case found again through the filter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.webapp.evaluation.conftest import freeze, write_generations
from training_worker.contracts import ProgressEvent
from webapp.evaluation.models import EvalRun, Generation
from webapp.evaluation.protocol import Protocol
from webapp.evaluation.services import apply_eval_event, evalrun_create, evalrun_judge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Set ATOMLAB_SCREENSHOTS=DIR to keep a screenshot of every page the walk visits.
SHOTS = os.environ.get("ATOMLAB_SCREENSHOTS", "")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def judged_run(root: Path, snapshot: Any, records: list[Any], plan: Any) -> EvalRun:
    run = evalrun_create(
        by=None, model="default", snapshots=[snapshot], protocol=Protocol(n=5, ks=(1, 5)), dispatch=False
    )
    uri = write_generations(root, run.artifact_prefix, [(snapshot, records)], plan)
    apply_eval_event(
        ProgressEvent(
            job_id=run.job_id,
            seq=1,
            type="finished",
            payload={"generations_uri": uri, "count": 5 * len(records)},
        )
    )
    evalrun_judge(run_pk=run.pk)
    run.refresh_from_db()
    return run


def test_a_researcher_opens_a_failed_case_labels_it_and_finds_it_again(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from webapp.atoms.services import library_load
    from webapp.mixtures.storage import read_snapshot

    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    library_load()
    snapshot = freeze("eval-browser", "atom_base", "4")
    records = list(read_snapshot(snapshot.sha256))
    base = judged_run(
        tmp_path / "artifacts", snapshot, records, lambda r, i: "reference" if i == 0 else "wrong"
    )
    tuned = judged_run(
        tmp_path / "artifacts",
        snapshot,
        records,
        lambda r, i: "reference" if i < 4 else ("raises" if i == 4 else "exit"),
    )
    UserFactory(username="rita", role="researcher")
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")
    shot(page, "dashboard")

    page.goto(f"{live_server.url}/evaluations/table/")
    assert page.locator(f'#passk-table tr[data-run="{tuned.pk}"]').count() == 1
    shot(page, "table")
    page.goto(f"{live_server.url}/evaluations/compare/?a={base.pk}&b={tuned.pk}&snapshot={snapshot.pk}&k=1")
    assert "B is better" in page.locator("#paired-difference").inner_text()
    shot(page, "compare")

    page.goto(f"{live_server.url}/evaluations/{tuned.pk}/")
    shot(page, "run")
    page.click("text=Failed cases")
    page.wait_for_selector("#generation-table tbody tr[data-generation]")
    shot(page, "generations")
    page.locator("#generation-table tbody tr[data-generation] td:nth-child(2) a").first.click()
    page.wait_for_selector("#cases")
    failing = page.locator("#cases tr.fail")
    assert failing.count() > 0 and "ZeroDivisionError" in failing.first.inner_text()
    assert failing.first.inner_text().rstrip().split("\t")[-2].endswith(" ms")  # the call's time
    gid = int(page.url.rstrip("/").rsplit("/", 1)[1])
    shot(page, "generation")
    page.fill("#id_note", "the test expects a crash")
    page.locator("#id_note").blur()
    page.keyboard.press("2")  # "Wrong test"
    page.wait_for_selector("#current-label")
    assert page.locator("#current-label").inner_text() == "Wrong test"
    assert page.locator("#fix-test").get_attribute("href").startswith("/atoms/")
    shot(page, "labelled")
    g = Generation.objects.get(pk=gid)
    assert (g.review_label, g.review_note, g.reviewed_by.username) == (
        "wrong_test",
        "the test expects a crash",
        "rita",
    )

    page.goto(f"{live_server.url}/evaluations/generations/")
    page.select_option("#g-label", "wrong_test")
    # The unfiltered table already holds the row: wait for the filtered swap, not for the row.
    page.wait_for_url("**label=wrong_test**")
    wait_until(page, "document.querySelectorAll('#generation-table tbody tr[data-generation]').length === 1")
    page.wait_for_selector(f'#generation-table tr[data-generation="{gid}"]')
    assert page.locator("#generation-table tbody tr[data-generation]").count() == 1
    assert "label=wrong_test" in page.url
    shot(page, "filtered")

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
from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Generation
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


def test_evaluating_an_sft_run_on_its_own_training_suite_is_marked_contaminated_everywhere(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from tests.training_worker.tiny import PROBLEMS
    from tests.webapp.training.conftest import make_snapshot
    from training_worker.contracts import ProblemRecord
    from webapp.core.models import JobStatus
    from webapp.training.models import Checkpoint, TrainingRun

    root = tmp_path / "artifacts"
    settings.ARTIFACT_ROOT = str(root)
    train, suite = make_snapshot("train", name="tiny-train"), make_snapshot("eval", name="tiny-suite")
    sft = TrainingRun.objects.create(
        method="sft", model="default", name="tiny sft", train_snapshot=train, status=JobStatus.SUCCEEDED
    )
    Checkpoint.objects.create(run=sft, step=30, uri=f"{root}/runs/{sft.job_id}/checkpoints/checkpoint-30")
    # The answers quote each solution in a markdown block: end it with its newline.
    records = [ProblemRecord.from_dict({**p, "solution": p["solution"] + "\n"}) for p in PROBLEMS]
    base = judged_run(root, suite, records, lambda r, i: "reference" if i == 0 else "wrong")
    UserFactory(username="rita", role="researcher")
    login(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/")

    # The form warns, next to the reason, and asks why before it evaluates.
    page.goto(f"{live_server.url}/evaluations/new/")
    page.fill("#id_model", f"run:{sft.pk}")
    page.check(f'input[name="snapshots"][value="{suite.pk}"]')
    page.fill("#id_n", "5")
    page.fill("#id_ks", "1,5")
    page.click("#launch-form button[type=submit]")
    warning = page.locator('.msgs[data-for="snapshots"]')
    warning.wait_for()
    assert f"run {sft.pk} trained on problems" in warning.inner_text()
    assert "give a reason" in page.locator('.msgs[data-for="contamination_reason"]').inner_text()
    shot(page, "contaminated-form")
    page.fill("#id_contamination_reason", "how much of its training set it kept")
    page.click("#launch-form button[type=submit]")
    page.wait_for_url("**/evaluations/*/")
    tuned = EvalRun.objects.get(model=f"run:{sft.pk}")
    assert tuned.contamination_reason == "how much of its training set it kept"
    uri = write_generations(root, tuned.artifact_prefix, [(suite, records)], lambda r, i: "reference", n=5)
    apply_eval_event(
        ProgressEvent(
            tuned.job_id, 1, "finished", payload={"generations_uri": uri, "count": 5 * len(records)}
        )
    )
    evalrun_judge(run_pk=tuned.pk)

    page.goto(f"{live_server.url}/evaluations/{tuned.pk}/")
    assert page.locator('#contamination [data-mark="contaminated"]').count() == 1
    assert page.locator('#run-suites [data-mark="contaminated"]').count() == 1
    assert page.locator('#run-scores [data-mark="contaminated"]').count() == 2  # pass@1 and pass@5
    assert "how much of its training set it kept" in page.locator("#contamination").inner_text()
    shot(page, "contaminated-run")

    page.goto(f"{live_server.url}/evaluations/table/")
    cells = page.locator(f'#passk-table tr[data-run="{tuned.pk}"] [data-mark="contaminated"]')
    assert cells.count() == 2 and train.short in (cells.first.get_attribute("title") or "")
    assert page.locator(f'#passk-table tr[data-run="{base.pk}"] [data-mark]').count() == 0
    shot(page, "contaminated-table")

    page.goto(f"{live_server.url}/evaluations/compare/?a={base.pk}&b={tuned.pk}&snapshot={suite.pk}&k=1")
    assert "Run B trained on problems of this suite" in page.locator("#compare-contamination").inner_text()
    assert page.locator('#comparison [data-mark="contaminated"]').count() == 1
    shot(page, "contaminated-compare")

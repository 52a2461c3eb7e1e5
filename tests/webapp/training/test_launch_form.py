"""The launch form shows every mistake of a submit at once, with a "Not saved" summary at the
top linking to each field; its selects offer only the snapshots that fit their role; the
checkpoint preset starts from the latest SFT run (or asks for one); and the run page's polled
part says "Cancelling…" and offers "RL from this run" as soon as the run has ended."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.training.conftest import make_snapshot, queued_messages
from tests.webapp.training.test_launch import errors_of, finished_run, form
from webapp.core.models import JobStatus
from webapp.training.models import Checkpoint, TrainingRun

pytestmark = pytest.mark.django_db


def summary_links(html: str) -> dict[str, str]:
    """The "Not saved" summary at the top of the form: field id -> the problem it lists."""
    block = html.split('id="not-saved"', 1)[1].split("</div>", 1)[0]
    return dict(re.findall(r'<li><a href="#(id_[a-z_]+)">[^<]*</a>: ([^<]*)</li>', block))


def test_three_mistakes_are_shown_in_one_submit_with_a_summary_at_the_top(
    client: Any, researcher: Any, redis_client: Any, gpu_queue: str
) -> None:
    train = make_snapshot("train")
    client.force_login(researcher)
    # Three kinds of mistake: one Django's field refuses (not a number), one the method's
    # config refuses (learning rate), one the launch check refuses (unknown model).
    data = form(train, model="/no/such/model", learning_rate="-1", max_steps="many", beta="x")
    response = client.post("/runs/launch/", {**data, "method": "grpo", "num_generations": "3"})
    html = response.content.decode()
    shown = errors_of(html)
    assert {"model", "learning_rate", "max_steps", "beta", "num_generations"} <= set(shown), shown
    assert any("unknown model" in e for e in shown["model"])
    assert any("must be > 0" in e for e in shown["learning_rate"])
    links = summary_links(html)
    assert {"id_model", "id_learning_rate", "id_max_steps", "id_beta", "id_num_generations"} <= set(links)
    assert html.index('id="not-saved"') < html.index('data-field="method"')  # above the first field
    assert "Not saved." in html and "Nothing was launched" in html
    # Nothing typed is lost.
    assert 'value="/no/such/model"' in html and 'name="max_steps" value="many"' in html
    assert TrainingRun.objects.count() == 0 and queued_messages(redis_client, gpu_queue) == 0


def test_every_bad_config_field_is_named_not_only_the_first(client: Any, researcher: Any) -> None:
    train = make_snapshot("train")
    client.force_login(researcher)
    html = client.post(
        "/runs/launch/", form(train, learning_rate="0", extra="warmup_ratio=-3\nbogus=1")
    ).content.decode()
    shown = errors_of(html)
    assert any("must be > 0" in e for e in shown["learning_rate"]), shown
    extra = " ".join(shown["extra"])
    assert "warmup_ratio" in extra and "bogus" in extra, extra


def test_a_valid_launch_still_goes_through(
    client: Any, researcher: Any, redis_client: Any, gpu_queue: str
) -> None:
    train = make_snapshot("train")
    client.force_login(researcher)
    response = client.post("/runs/launch/", form(train, max_steps="3"))
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"


def test_the_snapshot_selects_offer_only_snapshots_with_rows_of_their_role(
    client: Any, researcher: Any
) -> None:
    train, held = make_snapshot("train"), make_snapshot("eval")
    client.force_login(researcher)
    html = client.get("/runs/launch/").content.decode()
    train_select = html.split('name="train_snapshot"', 1)[1].split("</select>", 1)[0]
    eval_select = html.split('name="eval_snapshot"', 1)[1].split("</select>", 1)[0]
    assert train.sha256 in train_select and held.sha256 not in train_select
    assert held.sha256 in eval_select and train.sha256 not in eval_select
    assert "only snapshots with train rows are listed: 1 without any are left out" in html
    assert "only snapshots with eval rows are listed: 1 without any are left out" in html
    # One posted anyway is refused with the reason, not "not one of the available choices".
    shown = errors_of(client.post("/runs/launch/", form(held)).content.decode())
    assert any("has no train rows" in e for e in shown["train_snapshot"]), shown


def test_the_checkpoint_preset_starts_from_the_latest_sft_run_or_asks_for_one(
    client: Any, researcher: Any
) -> None:
    client.force_login(researcher)
    html = client.get("/runs/launch/?preset=grpo-cpu").content.decode()
    assert 'name="model" value="default"' in html
    assert "starts from a checkpoint, but no SFT run has succeeded with one yet" in html
    finished_run(researcher, JobStatus.SUCCEEDED, checkpoint=True)  # older
    newest = finished_run(researcher, JobStatus.SUCCEEDED, checkpoint=True)
    finished_run(researcher, JobStatus.FAILED, checkpoint=True)  # newer, but failed
    html = client.get("/runs/launch/?preset=grpo-cpu").content.decode()
    assert f'name="model" value="run:{newest.pk}"' in html
    assert f'value="{newest.train_snapshot.sha256}" selected' in html
    assert "no SFT run has succeeded" not in html
    # The SFT preset is not about checkpoints: it keeps the base model and says nothing.
    html = client.get("/runs/launch/?preset=sft-cpu").content.decode()
    assert 'name="model" value="default"' in html and "starts from a checkpoint" not in html


def _status_part(client: Any, run: TrainingRun) -> str:
    return client.get(f"/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()


def test_the_polled_status_says_cancelling_then_offers_rl_once_the_run_succeeded(
    client: Any, researcher: Any
) -> None:
    run = finished_run(researcher, JobStatus.RUNNING, checkpoint=True)
    client.force_login(researcher)
    assert 'id="start-from"' not in _status_part(client, run)
    response = client.post(f"/runs/{run.pk}/cancel")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Cancelling…" in page.split('id="run-badge"', 1)[1].split("</span>", 1)[0]
    assert "Cancel asked" not in page  # no flash message that would outlive the cancel
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.CANCELLED)
    part = _status_part(client, run)
    assert ">Cancelled<" in part and "Cancelling" not in part
    other = finished_run(researcher, JobStatus.RUNNING, checkpoint=False)
    TrainingRun.objects.filter(pk=other.pk).update(status=JobStatus.SUCCEEDED)
    Checkpoint.objects.create(run=other, step=3, uri="/x/checkpoint-3")
    response = client.get(f"/runs/{other.pk}/", headers={"HX-Request": "true"})
    # The last answer of the poll carries the button, and the event the rest of the page hears.
    assert 'id="start-from"' in response.content.decode() and "job-finished" in response["HX-Trigger"]


def test_a_small_learning_rate_reads_in_scientific_notation_on_the_run_page(
    client: Any, researcher: Any
) -> None:
    run = finished_run(researcher, JobStatus.RUNNING, checkpoint=False)
    TrainingRun.objects.filter(pk=run.pk).update(last_metrics={"learning_rate": 2e-06, "loss": 0.123456})
    client.force_login(researcher)
    part = _status_part(client, run)
    assert "learning_rate: <b>2e-6</b>" in part and "loss: <b>0.1235</b>" in part
    assert "0.00000" not in part

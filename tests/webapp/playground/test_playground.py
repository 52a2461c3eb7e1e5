"""The playground on the web side: the form's refusals name their field, every error at
once; a viewer reads the history without a form; links pre-fill the form; the worker's
events move a request once per seq; storing and judging in the sandbox (a real one) after
a generations file like the worker's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.training.conftest import make_snapshot
from training_worker.contracts import GenerationRecord, ProgressEvent
from webapp.core.models import JobStatus
from webapp.evaluation.models import Phase
from webapp.playground.models import PlaygroundRequest
from webapp.playground.services import (
    Ask,
    apply_playground_event,
    playground_create,
    playground_judge,
    playground_spec,
)
from webapp.training.models import Checkpoint, TrainingRun

pytestmark = pytest.mark.django_db

FORM = {"prompt": "Write add(a, b).", "model": "default", "n": "2", "temperature": "0.7",
        "max_new_tokens": "32", "seed": "0"}  # fmt: skip


def _errors(page: str, field: str) -> str:
    """The text of the messages block next to ``field``, or ''."""
    marker = f'data-for="{field}"'
    if marker not in page:
        return ""
    start = page.index(marker)
    return page[start : page.index("</div>", start)]


def _checkpoint(owner: Any) -> Checkpoint:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=make_snapshot(),
        created_by=owner, status=JobStatus.SUCCEEDED,
    )  # fmt: skip
    return Checkpoint.objects.create(run=run, step=20, uri="/nowhere/checkpoint-20")


def test_refusals_name_their_field_all_at_once_and_keep_what_was_typed(client: Any, researcher: Any) -> None:
    client.force_login(researcher)
    data = {**FORM, "prompt": "   ", "n": "9", "checkpoint": "999999", "max_new_tokens": "0"}
    response = client.post("/playground/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "write a prompt" in _errors(page, "prompt")
    assert "between 1 and 8 samples" in _errors(page, "n")
    assert "there is no checkpoint 999999" in _errors(page, "checkpoint")
    assert "max_new_tokens" not in _errors(page, "n") and "must be" in _errors(page, "max_new_tokens")
    assert 'id="form-errors"' in page and 'value="9"' in page  # summary at the top; n kept
    assert PlaygroundRequest.objects.count() == 0


def test_a_bad_number_is_refused_at_its_field_with_the_services_refusals(
    client: Any, researcher: Any
) -> None:
    client.force_login(researcher)
    response = client.post("/playground/", {**FORM, "n": "many", "prompt": ""})
    page = response.content.decode()
    assert "whole number" in _errors(page, "n") and "write a prompt" in _errors(page, "prompt")
    assert PlaygroundRequest.objects.count() == 0


def test_an_unknown_problem_is_refused_at_the_task_field(client: Any, researcher: Any) -> None:
    snapshot = make_snapshot(role="eval")
    client.force_login(researcher)
    response = client.post("/playground/", {**FORM, "snapshot": snapshot.pk, "task_id": "tiny/nope"})
    assert "has no problem “tiny/nope”" in _errors(response.content.decode(), "task_id")
    assert PlaygroundRequest.objects.count() == 0


def test_a_viewer_reads_the_history_without_a_form_and_cannot_send(
    client: Any, viewer: Any, researcher: Any
) -> None:
    req = playground_create(by=researcher, ask=Ask(prompt="Say <b>hi</b>"), dispatch=False)
    client.force_login(viewer)
    page = client.get("/playground/").content.decode()
    assert 'id="prompt-form"' not in page
    assert f'data-request="{req.pk}"' in page and "Say &lt;b&gt;hi&lt;/b&gt;" in page
    detail = client.get(f"/playground/{req.pk}/").content.decode()
    assert 'id="edit-again"' not in detail and "Cancel</button>" not in detail
    assert client.post("/playground/", FORM).status_code == 403
    assert PlaygroundRequest.objects.count() == 1


def test_try_it_fills_the_checkpoint_and_the_problem_link_fills_the_prompt(
    client: Any, researcher: Any
) -> None:
    checkpoint = _checkpoint(researcher)
    client.force_login(researcher)
    run_page = client.get(f"/runs/{checkpoint.run_id}/").content.decode()
    assert f'href="/playground/?checkpoint={checkpoint.pk}"' in run_page
    page = client.get(f"/playground/?checkpoint={checkpoint.pk}").content.decode()
    assert f'value="{checkpoint.pk}"' in page and "step 20 of" in page
    snapshot = make_snapshot(role="eval")
    snapshot_page = client.get(f"/datasets/snapshots/{snapshot.sha256}/").content.decode()
    assert f'href="/playground/?snapshot={snapshot.pk}"' in snapshot_page
    page = client.get(f"/playground/?snapshot={snapshot.pk}").content.decode()
    assert '<option value="tiny/neg">' in page  # a snapshot alone: its task ids are offered
    page = client.get(f"/playground/?snapshot={snapshot.pk}&task=tiny/add").content.decode()
    assert "Write add(a, b) returning the sum.</textarea>" in page
    assert '<option value="tiny/neg">' in page  # the task field offers the snapshot's ids
    # "Fill the prompt" on the form does the same, keeping the other fields; nothing is sent.
    filled = client.post(
        "/playground/", {**FORM, "n": "3", "snapshot": snapshot.pk, "task_id": "tiny/neg", "fill": "1"}
    )
    text = filled.content.decode()
    assert "Write neg(x) returning minus x.</textarea>" in text and 'value="3"' in text
    assert PlaygroundRequest.objects.count() == 0


def test_a_request_from_a_checkpoint_and_a_problem_writes_its_prompt_file_and_spec(
    researcher: Any, artifacts: Path
) -> None:
    checkpoint = _checkpoint(researcher)
    snapshot = make_snapshot(role="eval")
    ask = Ask(
        prompt="Please: add(a, b)", checkpoint_id=checkpoint.pk, snapshot=snapshot, task_id="tiny/add",
        n=3, temperature=0.5, max_new_tokens=40,
    )  # fmt: skip
    req = playground_create(by=researcher, ask=ask, dispatch=False)
    assert req.model == "default" and req.checkpoint == checkpoint and req.judged
    record = json.loads(Path(req.data_uri).read_text())
    assert record["prompt"] == "Please: add(a, b)" and record["cases"][0] == {"args": [1, 2], "expected": 3}
    assert Path(req.data_uri).is_relative_to(artifacts)
    spec = playground_spec(req)
    assert (spec.kind, spec.job_id, spec.data_uris) == ("generate", f"play-{req.pk}", [req.data_uri])
    assert spec.init_checkpoint == checkpoint.uri
    assert {k: spec.method_config[k] for k in ("n", "temperature", "max_new_tokens", "roles")} == {
        "n": 3, "temperature": 0.5, "max_new_tokens": 40, "roles": None
    }  # fmt: skip


def _event(req: PlaygroundRequest, seq: int, type: str, **payload: Any) -> ProgressEvent:
    return ProgressEvent(job_id=req.job_id, seq=seq, type=type, payload=payload)


def test_events_move_a_request_once_per_seq_and_never_backwards(researcher: Any) -> None:
    req = playground_create(by=researcher, ask=Ask(prompt="hi", n=2), dispatch=False)
    assert apply_playground_event(_event(req, 1, "started")) == "applied started"
    assert apply_playground_event(_event(req, 3, "generations", done=1, total=2)) == "applied generations"
    assert apply_playground_event(_event(req, 2, "generations", done=0, total=2)).startswith("ignored")
    req.refresh_from_db()
    assert (req.status, req.done, req.total) == (JobStatus.RUNNING, 1, 2)
    apply_playground_event(_event(req, 4, "failed", error="CUDA out of memory"))
    req.refresh_from_db()
    assert req.status == JobStatus.FAILED and req.error == "CUDA out of memory"
    assert apply_playground_event(_event(req, 5, "started")).startswith("ignored")


def _generations(req: PlaygroundRequest, root: Path, codes: list[str]) -> str:
    path = root / req.artifact_prefix / "generations.jsonl"
    lines = [
        GenerationRecord(
            task_id="tiny/add", sample_index=i, source="atom_base", data_uri=req.data_uri, prompt="p",
            completion=f"```python\n{code}\n```", code=code, prompt_tokens=3, completion_tokens=7,
            finish_reason="stop", seconds=0.1,
        ).to_json()
        for i, code in enumerate(codes)
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_finished_samples_are_stored_and_judged_per_case_in_the_sandbox(
    client: Any, researcher: Any, artifacts: Path
) -> None:
    snapshot = make_snapshot(role="eval")
    ask = Ask(prompt="add", snapshot=snapshot, task_id="tiny/add", n=2, temperature=0.8)
    req = playground_create(by=researcher, ask=ask, dispatch=False)
    uri = _generations(
        req, artifacts, ["def add(a, b):\n    return a + b", "def add(a, b):\n    return a - b"]
    )
    apply_playground_event(_event(req, 1, "started"))
    apply_playground_event(_event(req, 2, "finished", generations_uri=uri, count=2, backend="transformers"))
    req.refresh_from_db()
    assert (req.status, req.phase) == (JobStatus.QUEUED, Phase.JUDGING)
    assert playground_judge(request_pk=req.pk) == {"samples": 2, "passed": 1}
    req.refresh_from_db()
    assert (req.status, req.phase) == (JobStatus.SUCCEEDED, Phase.DONE)
    good, bad = req.samples.order_by("index")
    assert (good.passed, good.category, [c["passed"] for c in good.cases]) == (True, "passed", [True, True])
    assert (bad.passed, bad.category) == (False, "wrong_answer")
    assert [(c["got"], c["expected"], c["passed"]) for c in bad.cases] == [(-1, 3, False), (10, 0, False)]
    client.force_login(researcher)
    page = client.get(f"/playground/{req.pk}/").content.decode()
    assert 'id="cases-0"' in page and 'id="cases-1"' in page and "1 of 2 passed every case" in page
    assert "return a - b" in page and "Wrong answer" in page


def test_a_free_text_request_is_stored_without_judging(researcher: Any, artifacts: Path) -> None:
    req = playground_create(by=researcher, ask=Ask(prompt="Tell me a joke"), dispatch=False)
    assert not req.judged and json.loads(Path(req.data_uri).read_text())["cases"] == []
    uri = _generations(req, artifacts, [""])
    apply_playground_event(_event(req, 1, "finished", generations_uri=uri, count=1))
    assert playground_judge(request_pk=req.pk) == {"samples": 1}
    (sample,) = req.samples.all()
    assert sample.verdict == "" and sample.passed is None and sample.completion.startswith("```python")


def test_only_its_owner_or_an_admin_cancels_and_a_queued_request_stops_at_once(
    client: Any, researcher: Any, admin_user: Any
) -> None:
    from tests.factories import UserFactory

    req = playground_create(by=researcher, ask=Ask(prompt="hi"), dispatch=False)
    bob = UserFactory(username="bob", role="researcher")
    client.force_login(bob)
    assert client.post(f"/playground/{req.pk}/cancel").status_code == 403
    req.refresh_from_db()
    assert req.status == JobStatus.QUEUED
    client.force_login(researcher)
    assert client.post(f"/playground/{req.pk}/cancel").status_code == 302
    req.refresh_from_db()
    assert req.status == JobStatus.CANCELLED


def test_the_reaper_hook_keeps_a_generating_request_alive_from_its_workers_heartbeat(
    researcher: Any, redis_client: Any
) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    from training_worker.control import job_key
    from webapp.core.jobs import jobs_reap

    req = playground_create(by=researcher, ask=Ask(prompt="hi"), dispatch=False)
    old = datetime.now(tz=UTC) - timedelta(hours=1)
    PlaygroundRequest.objects.filter(pk=req.pk).update(status=JobStatus.RUNNING, heartbeat_at=old)
    redis_client.set(job_key(req.job_id, "heartbeat"), str(time.time()), ex=60)
    try:
        jobs_reap()  # the hook runs first: the worker's beat refreshes the row, nothing is reaped
        req.refresh_from_db()
        assert req.status == JobStatus.RUNNING and req.heartbeat_at is not None and req.heartbeat_at > old
        redis_client.delete(job_key(req.job_id, "heartbeat"))
        PlaygroundRequest.objects.filter(pk=req.pk).update(heartbeat_at=old)
        jobs_reap()  # no beat: the worker died, the shared reaper fails the request
        req.refresh_from_db()
        assert req.status == JobStatus.FAILED and "No heartbeat" in req.error
    finally:
        redis_client.delete(job_key(req.job_id, "heartbeat"))

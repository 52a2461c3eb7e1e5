"""Launching through the form and the command: every bad launch is refused with the field
named and never reaches a worker (no run row, no message on the GPU queue)."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.webapp.training.conftest import make_snapshot, queued_messages
from webapp.core.models import JobStatus
from webapp.training.models import Checkpoint, TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A folder that looks like a model to the web side (the worker is not involved here)."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    return tmp_path / "model"


def form(train: Any, model: str = "default", **fields: Any) -> dict[str, Any]:
    return {"method": "sft", "model": model, "train_snapshot": train.sha256, "seed": 0, **fields}


def errors_of(html: str) -> dict[str, list[str]]:
    """Field name -> the errors shown next to it on the page."""
    found: dict[str, list[str]] = {}
    for name, block in re.findall(r'<div class="msgs" data-for="([a-z_]+)">(.*?)</div>', html, re.S):
        found[name] = [
            html_lib.unescape(e)
            for e in re.findall(r'<p class="field-error" role="alert">(.*?)</p>', block, re.S)
        ]
    return found


def finished_run(researcher: Any, status: str, *, checkpoint: bool) -> TrainingRun:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=make_snapshot(),
        status=status, attempt=1, created_by=researcher,
    )  # fmt: skip
    if checkpoint:
        Checkpoint.objects.create(run=run, step=5, uri="/x/checkpoint-5")
    return run


@pytest.mark.parametrize(
    ("case", "field", "says"),
    [
        ("zero learning rate", "learning_rate", "must be > 0"),
        ("negative learning rate", "learning_rate", "must be > 0"),
        ("unknown model path", "model", "unknown model"),
        ("snapshot without train rows", "train_snapshot", "has no train rows"),
        ("init from a failed run", "model", "failed; only a run that succeeded"),
        ("init from a run without checkpoint", "model", "has no checkpoint"),
        ("contaminated train snapshot", "train_snapshot", "contains problems of eval snapshot"),
        ("eval snapshot without eval rows", "eval_snapshot", "has no eval rows"),
        ("unknown config field", "extra", "bogus: unknown field for sft"),
        ("bad RL group size", "num_generations", "must be a multiple"),
        ("vLLM server mode without its address", "extra", "vllm_server_base_url: needed when vllm_mode"),
        ("vLLM server address without a port", "extra", "vllm_server_base_url: must be http://HOST:PORT"),
    ],
)
def test_a_bad_launch_is_refused_at_the_form_and_never_reaches_a_worker(
    client: Any, researcher: Any, redis_client: Any, gpu_queue: str, case: str, field: str, says: str
) -> None:
    train = make_snapshot("train")
    data = {
        "zero learning rate": lambda: form(train, learning_rate="0"),
        "negative learning rate": lambda: form(train, learning_rate="-1e-5"),
        "unknown model path": lambda: form(train, model="/no/such/model"),
        "snapshot without train rows": lambda: form(make_snapshot("eval")),
        "init from a failed run": lambda: form(
            train, model=f"run:{finished_run(researcher, JobStatus.FAILED, checkpoint=True).pk}"
        ),
        "init from a run without checkpoint": lambda: form(
            train, model=f"run:{finished_run(researcher, JobStatus.SUCCEEDED, checkpoint=False).pk}"
        ),
        "contaminated train snapshot": lambda: form(train, eval_snapshot=make_snapshot("eval").sha256),
        "eval snapshot without eval rows": lambda: form(train, eval_snapshot=make_snapshot("train").sha256),
        "unknown config field": lambda: form(train, extra="bogus=1"),
        "bad RL group size": lambda: form(
            train, method="grpo", per_device_train_batch_size="4", num_generations="3"
        ),
        "vLLM server mode without its address": lambda: form(
            train, method="grpo", extra="use_vllm=true\nvllm_mode=server"
        ),
        "vLLM server address without a port": lambda: form(
            train, method="rloo", extra="use_vllm=true\nvllm_mode=server\nvllm_server_base_url=http://vllm"
        ),
    }[case]()
    runs_before = TrainingRun.objects.count()
    client.force_login(researcher)
    response = client.post("/runs/launch/", data)
    assert response.status_code == 200
    shown = errors_of(response.content.decode())
    assert field in shown, shown
    assert any(says in e for e in shown[field]), shown[field]
    assert TrainingRun.objects.count() == runs_before
    assert queued_messages(redis_client, gpu_queue) == 0


def test_a_contaminated_launch_goes_ahead_with_a_recorded_reason(
    client: Any, researcher: Any, redis_client: Any, gpu_queue: str, django_capture_on_commit_callbacks: Any
) -> None:
    train, ev = make_snapshot("train"), make_snapshot("eval")
    client.force_login(researcher)
    reason = "measuring memorisation on purpose"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/runs/launch/",
            form(train, eval_snapshot=ev.sha256, contamination_override=reason, max_steps="5"),
        )
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    assert run.contamination_override == reason and run.status == JobStatus.QUEUED
    assert run.config["max_steps"] == 5 and run.config["learning_rate"] == 2e-5  # the rest: defaults
    assert queued_messages(redis_client, gpu_queue) == 1
    message = json.loads(redis_client.lindex(gpu_queue, 0))
    assert message["headers"]["task"] == "atomlab.gpu.run_job"
    assert message["headers"]["id"] == run.task_id


def test_a_viewer_cannot_open_the_launch_form(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get("/runs/launch/")
    assert response.status_code == 403
    assert "researcher role" in response.content.decode()


def test_a_preset_and_a_clone_prefill_the_form(client: Any, researcher: Any) -> None:
    client.force_login(researcher)
    page = client.get("/runs/launch/?preset=grpo-cpu").content.decode()
    assert 'name="num_generations" value="4"' in page and 'value="grpo" selected' in page
    run = finished_run(researcher, JobStatus.SUCCEEDED, checkpoint=True)
    run.config = {**run.config, "learning_rate": 3e-5, "warmup_ratio": 0.1}
    run.seed = 7
    run.save()
    page = client.get(f"/runs/launch/?clone={run.pk}").content.decode()
    assert 'name="learning_rate" value="3e-05"' in page and 'name="seed" value="7"' in page
    assert "warmup_ratio=0.1" in page and f'name="cloned_from" value="{run.pk}"' in page


def test_launch_run_command_refuses_with_exit_2_and_the_field(
    researcher: Any, admin_user: Any, redis_client: Any, gpu_queue: str, capsys: Any
) -> None:
    train = make_snapshot("train")
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "launch_run", "--method", "sft", "--model", "default", "--train-snapshot", train.short,
            "--set", "learning_rate=-1",
        )  # fmt: skip
    assert exit_.value.code == 2
    assert "refused: learning_rate: must be > 0" in capsys.readouterr().err
    assert TrainingRun.objects.count() == 0 and queued_messages(redis_client, gpu_queue) == 0


def test_launch_run_command_prints_the_run_id_first_and_run_status_reports_it(
    admin_user: Any, redis_client: Any, gpu_queue: str, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    train = make_snapshot("train")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "launch_run", "--method", "grpo", "--model", "default", "--train-snapshot", train.sha256[:8],
            "--max-steps", "3", "--seed", "4", "--set", "reward_mode=fraction", "--set", "beta=0",
        )  # fmt: skip
    run = TrainingRun.objects.get()
    assert capsys.readouterr().out.splitlines()[0] == str(run.pk)
    assert run.config["reward_mode"] == "fraction" and run.config["beta"] == 0.0 and run.seed == 4
    assert queued_messages(redis_client, gpu_queue) == 1
    call_command("run_status", str(run.pk), "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "queued" and status["step"] == 0 and status["max_steps"] == 3
    assert status["metrics"] == {} and status["checkpoints"] == []


def test_launch_run_command_takes_num_processes_and_refuses_a_non_positive_one(
    admin_user: Any, redis_client: Any, gpu_queue: str, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The web side refuses what no worker could run; how many ranks a worker can hold
    (its GPUs, or cores) only the worker knows, and it fails the run naming the field."""
    train = make_snapshot("train")
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "launch_run", "--method", "sft", "--model", "default", "--train-snapshot", train.short,
            "--set", "num_processes=0",
        )  # fmt: skip
    assert exit_.value.code == 2 and "refused: num_processes: must be > 0" in capsys.readouterr().err
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "launch_run", "--method", "sft", "--model", "default", "--train-snapshot", train.short,
            "--set", "num_processes=2", "--set", "per_device_train_batch_size=2",
        )  # fmt: skip
    run = TrainingRun.objects.get()
    assert run.config["num_processes"] == 2 and queued_messages(redis_client, gpu_queue) == 1


def test_a_launch_while_redis_is_down_fails_the_run_with_the_reason(
    researcher: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The broker is Redis: with nothing listening there the run is failed at once, saying
    why, instead of waiting for a message that was never sent."""
    import socket

    from webapp.training.services import LaunchRequest, run_launch

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    with django_capture_on_commit_callbacks(execute=True):
        run = run_launch(
            by=researcher,
            request=LaunchRequest(method="sft", model="default", train_snapshot=make_snapshot()),
        )
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert "Could not hand the job to the" in run.error and "No worker received it" in run.error


def test_the_seed_in_force_is_the_one_the_run_page_and_its_resolved_config_show(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    from webapp.training.services import LaunchRequest, launch_check

    settings.ARTIFACT_ROOT = str(tmp_path)
    train = make_snapshot("train")
    plan = launch_check(LaunchRequest(method="sft", model="default", train_snapshot=train, seed=3))
    assert plan.config["seed"] == plan.seed == 3  # not null beside "seed 3"
    plan = launch_check(
        LaunchRequest(method="sft", model="default", train_snapshot=train, seed=0, config={"seed": 7})
    )
    assert plan.config["seed"] == plan.seed == 7  # --set seed=7 is what the worker uses

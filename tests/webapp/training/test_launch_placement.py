"""``placement`` through the web side's launch command: ``ray`` is kept in the run's config
and sent to the worker; an unknown placement is refused before any message, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.webapp.training.conftest import make_snapshot, queued_messages
from webapp.training.models import TrainingRun

pytestmark = pytest.mark.django_db


def test_launch_run_takes_placement_ray_and_refuses_an_unknown_placement(
    admin_user: Any, redis_client: Any, gpu_queue: str, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    train = make_snapshot("train")
    args = ["launch_run", "--method", "sft", "--model", "default", "--train-snapshot", train.short]
    with pytest.raises(SystemExit) as exit_:
        call_command(*args, "--set", "placement=cluster")
    assert exit_.value.code == 2
    assert "refused: placement: must be one of local, ray, got 'cluster'" in capsys.readouterr().err
    assert queued_messages(redis_client, gpu_queue) == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command(*args, "--set", "placement=ray", "--set", "num_processes=2")
    run = TrainingRun.objects.get()
    assert run.config["placement"] == "ray" and run.config["num_processes"] == 2
    assert queued_messages(redis_client, gpu_queue) == 1

"""A whole study through Celery: the tiny model trained (SFT, then GRPO from its checkpoint)
by a real GPU-queue worker, evaluated (generation on the GPU queue, judging on the cpu queue),
the table, figure and CSV produced, and ``run_study --wait --json`` printing them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from webapp.core.models import JobStatus
from webapp.studies.management.commands.run_study import print_table
from webapp.studies.models import Study, StudyStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]


@pytest.fixture(autouse=True)
def artifacts(settings: Any) -> Path:
    """The workers' artifact root (the test settings'), not a folder of the test's own: the
    cpu worker advances the study too, and must find the snapshots the test process froze."""
    return Path(settings.ARTIFACT_ROOT)


def test_run_study_trains_evaluates_and_reports_a_tiny_study(
    celery_workers: Any, admin_user: Any, template: str, tmp_path: Path
) -> None:
    from webapp.atoms.services import library_load

    library_load()
    path = tmp_path / "tiny.yaml"
    path.write_text(template, encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as ended:
        call_command(
            "run_study", str(path), "--scale", "tiny", "--wait", "--json", "--poll", "1", "--timeout", "600",
            stdout=out, stderr=err,
        )  # fmt: skip
    study_id, rest = out.getvalue().split("\n", 1)
    state = json.loads(rest)
    units = Study.objects.get(pk=int(study_id)).units.select_related("training_run")
    errors = [(u.arm, u.blocked, u.training_run and u.training_run.error) for u in units]
    assert ended.value.code == 0, (state["status"], state["message"], state["error"], errors)
    study = Study.objects.get(pk=int(study_id))
    assert study.status == StudyStatus.SUCCEEDED
    assert [(a["arm"], a["state"]) for a in state["arms"]] == [("sft", "done"), ("rl", "done")]
    # Each arm's curve in one line: SFT's loss, RL's mean reward, over the steps it ran.
    curves = {a["arm"]: a["training"] for a in state["arms"]}
    assert curves["sft"]["loss_first"] is not None and curves["sft"]["reward_mean"] is None
    assert curves["rl"]["reward_mean"] is not None and 0 <= curves["rl"]["reward_mean"] <= 1
    assert curves["sft"]["steps"] >= 1 and curves["rl"]["steps"] >= 1
    lines: list[str] = []
    print_table(lines.append, state)  # what run_study prints without --json
    assert curves["rl"]["text"].startswith("reward ") and any(f"({curves['rl']['text']})" in x for x in lines)
    units = {u.arm: u for u in study.units.select_related("training_run", "eval_run")}
    assert units["rl"].training_run.init_checkpoint.run_id == units["sft"].training_run_id
    assert all(u.eval_run.status == JobStatus.SUCCEEDED for u in units.values())
    cells = {(r["arm"], r["k"]) for r in state["table"]}
    assert cells == {(arm, k) for arm in ("base model", "sft", "rl") for k in (1, 2)}
    assert all(0 <= r["low"] <= r["value"] <= r["high"] <= 1 for r in state["table"])
    assert {(d["arm"], d["k"]) for d in state["differences"]} == {
        ("rl", 1),
        ("rl", 2),
        ("base model", 1),
        ("base model", 2),
    }
    assert state["summary"] and "pass@1 of rl vs sft" in state["summary"]
    assert all(Path(p).stat().st_size > 0 for p in state["files"].values())
    status = StringIO()
    call_command("study_status", study_id, "--json", stdout=status)
    assert json.loads(status.getvalue())["table"] == state["table"]

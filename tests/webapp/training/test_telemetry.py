"""What the worker reports about a run, as the web side shows it: the time-per-step chart
(stacked by stage for RL), tokens/s and peak memory, the time left on the run page and the
runs list (an estimate from the last steps' pace), and the worker's log tail. Events go
through the real ingestion (``event_apply``); the end-to-end path through real workers is
in test_runs_on_workers.py and tests/e2e/test_run_telemetry.py."""

from __future__ import annotations

import io
import json
import random
import re
import tarfile
from typing import Any

import pytest

from tests.webapp.training.conftest import make_snapshot
from training_worker.contracts import ProgressEvent
from webapp.training.eta import Eta, eta_from
from webapp.training.models import TrainingRun
from webapp.training.progress import event_apply
from webapp.training.telemetry import log_tail

T0 = 1_780_000_000.0


def test_the_time_left_comes_from_the_pace_of_the_last_steps() -> None:
    eta = eta_from([(3, T0), (4, T0 + 12), (5, T0 + 24)], max_steps=35)
    assert eta == Eta(seconds=360.0, seconds_per_step=12.0, steps_left=30, window=2)
    assert eta.text() == "about 6 min left"
    assert eta.basis() == "estimate from the pace of the last 2 steps (12.0 s/step) for the 30 left"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(20, "under a minute left"), (89 * 60, "about 89 min left"), (150 * 60, "about 2 h 30 min left")],
)
def test_the_time_left_reads_in_minutes_or_hours(seconds: float, text: str) -> None:
    assert Eta(seconds=seconds, seconds_per_step=1, steps_left=1, window=1).text() == text


@pytest.mark.parametrize(
    ("stamps", "max_steps"),
    [([(1, T0)], 10), ([(1, T0), (2, T0 + 5)], None), ([(2, T0), (2, T0 + 5)], 10)],
    ids=["one step", "no max_steps", "no progress"],
)
def test_there_is_no_time_left_to_tell_without_two_steps_and_an_end(
    stamps: list[tuple[int, float]], max_steps: int | None
) -> None:
    assert eta_from(stamps, max_steps=max_steps) is None


@pytest.fixture
def grpo(researcher: Any) -> TrainingRun:
    return TrainingRun.objects.create(
        method="grpo", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={"learning_rate": 1e-6, "max_steps": 40}, max_steps=40, total=40, attempt=1,
        created_by=researcher,
    )  # fmt: skip


def _send(run: TrainingRun, steps: int, *, pace: float = 12.0) -> None:
    """What a worker sends for ``steps`` GRPO steps, ``pace`` seconds apart, with the time
    split and two batches of its log."""
    job, seq = run.job_id, 1
    event_apply(ProgressEvent(job, seq, "started", 0, {"kind": "grpo"}, timestamp=T0))
    for step in range(1, steps + 1):
        seq += 1
        split = {"time/generation_s": 7.0, "time/reward_s": 1.5, "time/update_s": 3.0, "time/step_s": 11.5}
        metrics = {"loss": 0.1, "reward": 0.2, **split, "throughput/tokens_per_s": 80.0}
        metrics["memory/peak_rss_mb"] = 1800.0
        event_apply(ProgressEvent(job, seq, "metrics", step, metrics, timestamp=T0 + pace * step))
    lines = [{"t": T0 + i, "level": "info", "logger": "training_worker.progress", "message": f"step {i}/40"}
             for i in range(1, steps + 1)]  # fmt: skip
    lines.append({"t": T0 + 99, "level": "warning", "logger": "py.warnings", "message": "a <b>warning</b>"})
    for part in (lines[:2], lines[2:]):
        seq += 1
        event_apply(ProgressEvent(job, seq, "log_batch", steps, {"lines": part, "dropped": 0}, timestamp=T0))


def _spec(page: str, chart: str) -> dict[str, Any]:
    match = re.search(rf'<script id="chart-{chart}-spec" type="application/json">(.*?)</script>', page, re.S)
    assert match, f"no {chart} chart"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_a_running_rl_run_shows_where_its_time_goes_its_time_left_and_its_log(
    grpo: TrainingRun, client: Any, viewer: Any
) -> None:
    _send(grpo, 5)
    client.force_login(viewer)
    page = client.get(f"/runs/{grpo.pk}/").content.decode()
    time_chart = _spec(page, "time")
    assert time_chart["stacked"] is True
    assert [s["key"] for s in time_chart["series"]] == ["time/generation_s", "time/reward_s", "time/update_s"]
    assert (
        time_chart["series"][1]["label"] == "reward (sandbox)" and time_chart["series"][1]["y"] == [1.5] * 5
    )
    throughput = _spec(page, "throughput")
    labels = [s["label"] for s in throughput["series"]]
    assert labels == ["tokens/s", "peak memory: worker process RSS (MiB)"]
    # 5 steps 12 s apart: 35 steps left at 12 s each is 7 minutes, and the page says how it knows.
    eta = re.sub(r"\s+", " ", re.search(r'<span id="run-eta">(.*?)</span></span>', page, re.S).group(1))  # type: ignore[union-attr]
    assert "about 7 min left" in eta and "estimate from the pace of the last 4 steps (12.0 s/step)" in eta
    # The log tail, oldest first, escaped, following (the status part polls while the run is on).
    tail = re.search(r'<pre id="worker-log">(.*?)</pre>', page, re.S).group(1)  # type: ignore[union-attr]
    assert tail.index("step 1/40") < tail.index("step 5/40") < tail.index("a &lt;b&gt;warning&lt;/b&gt;")
    assert "following while the run is on" in page
    runs = client.get("/runs/").content.decode()
    assert "about 7 min left" in runs and "(estimate, last 4 steps)" in runs
    poll = client.get(f"/runs/{grpo.pk}/metrics?after=4").json()
    assert [s["x"] for s in poll["charts"]["time"]["series"]] == [[5], [5], [5]]


@pytest.mark.django_db
def test_a_finished_run_keeps_its_log_and_shows_no_time_left(
    grpo: TrainingRun, client: Any, viewer: Any
) -> None:
    _send(grpo, 3)
    event_apply(
        ProgressEvent(grpo.job_id, 50, "finished", 3, {"checkpoint": None, "metrics": {}}, timestamp=T0)
    )
    client.force_login(viewer)
    page = client.get(f"/runs/{grpo.pk}/").content.decode()
    assert 'id="run-eta"' not in page and "following while" not in page
    assert "step 3/40" in page and "the last 4 lines" in page
    assert "left" not in client.get("/runs/").content.decode().split("<tbody>")[1].split("</tbody>")[0]


@pytest.mark.django_db
def test_an_sft_run_draws_its_step_time_unstacked(researcher: Any, client: Any) -> None:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={}, max_steps=3, total=3, attempt=1, created_by=researcher,
    )  # fmt: skip
    event_apply(ProgressEvent(run.job_id, 1, "metrics", 1, {"loss": 1.0, "time/step_s": 2.5}, timestamp=T0))
    client.force_login(researcher)
    chart = _spec(client.get(f"/runs/{run.pk}/").content.decode(), "time")
    assert "stacked" not in chart and [s["y"] for s in chart["series"]] == [[2.5]]


@pytest.mark.django_db
def test_the_log_tail_keeps_the_newest_lines(grpo: TrainingRun) -> None:
    _send(grpo, 6)
    tail = log_tail(grpo, limit=3)
    assert [line.message for line in tail.lines] == ["step 5/40", "step 6/40", "a <b>warning</b>"]


@pytest.mark.django_db
def test_a_lora_checkpoint_streams_as_its_adapter_said_so_without_the_trainer_state(
    researcher: Any, viewer: Any, client: Any, artifacts: Any
) -> None:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=make_snapshot(),
        config={"use_lora": True}, max_steps=4, total=4, attempt=1, created_by=researcher,
    )  # fmt: skip
    folder = artifacts / "runs" / str(run.pk) / "checkpoints" / "checkpoint-4"
    (folder / "nested").mkdir(parents=True)
    # 3 MiB that gzip cannot shrink: the archive must come out in pieces, never whole.
    files = {"adapter_config.json": b"{}", "adapter_model.safetensors": random.Random(0).randbytes(3 << 20),
             "nested/tokenizer.json": b"{}", "optimizer.pt": b"x", "rng_state.pth": b"x",
             "training_args.bin": b"x"}  # fmt: skip
    for name, data in files.items():
        (folder / name).write_bytes(data)
    run.checkpoints.create(step=4, uri=str(folder))
    client.force_login(viewer)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert (
        f'href="/runs/{run.pk}/checkpoints/4.tar.gz"' in page
        and "LoRA adapter, not merged" in page
        and "load one on its base model" in page
    )
    response = client.get(f"/runs/{run.pk}/checkpoints/4.tar.gz")
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3 and max(map(len, chunks)) < 1.1 * (1 << 20)
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r:gz") as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers()}
        assert sorted(members) == ["adapter_config.json", "adapter_model.safetensors", "atomlab.json",
                                   "nested/tokenizer.json"]  # fmt: skip
        weights = tar.extractfile(members["adapter_model.safetensors"])
        assert weights is not None and weights.read() == files["adapter_model.safetensors"]
        manifest = tar.extractfile(members["atomlab.json"])
        assert manifest is not None and json.loads(manifest.read())["weights"] == "lora-adapter"
    assert client.get(f"/runs/{run.pk}/checkpoints/5.tar.gz").status_code == 404
    assert client.post(f"/runs/{run.pk}/checkpoints/4.tar.gz").status_code == 405  # GET only


def test_only_the_first_axis_of_a_line_chart_stacks() -> None:
    from webapp.core.charts import Axis, ChartSpec, ChartSpecError, Series

    line = Series("a", [1], [1.0])
    with pytest.raises(ChartSpecError, match="only a line chart's first y-axis stacks"):
        ChartSpec(id="x", kind="bar", title="t", x_title="", y_axes=(Axis("s"),), series=(), stacked=True)
    with pytest.raises(ChartSpecError, match="only a line chart's first y-axis stacks"):
        ChartSpec(id="x", kind="line", title="t", x_title="step", y_axes=(Axis("s"), Axis("b")),
                  series=(line, Series("b", [1], [2.0], axis=1)), stacked=True)  # fmt: skip
    spec = ChartSpec(
        id="x", kind="line", title="t", x_title="step", y_axes=(Axis("s"),), series=(line,), stacked=True
    )
    assert spec.to_json()["stacked"] is True


def test_an_exported_stacked_chart_draws_each_stage_on_top_of_the_one_below() -> None:
    from webapp.core.charts import Axis, ChartSpec, Series
    from webapp.core.figures import _figure

    parts = (Series("generation", [1, 2], [2.0, 3.0]), Series("reward", [1, 2], [1.0, None]),
             Series("update", [1, 2], [0.5, 0.5]))  # fmt: skip
    spec = ChartSpec(id="time", kind="line", title="Time per step", x_title="step",
                     y_axes=(Axis("s", min=0),), series=parts, stacked=True)  # fmt: skip
    lines = _figure(spec, 800, 450, 100).axes[0].lines
    assert [list(line.get_ydata()) for line in lines] == [[2.0, 3.0], [3.0, 3.0], [3.5, 3.5]]


STOPS = "stops at the end of the current step"


def _page_message(client: Any, run: TrainingRun) -> str:
    page = client.get(f"/runs/{run.pk}/").content.decode()
    found = re.search(r'<span class="muted" id="run-message">(.*?)</span>', page, re.S)
    assert found is not None and "Cancelling…" in page
    return found.group(1)


@pytest.mark.django_db
def test_a_pending_cancel_says_it_stops_at_the_end_of_the_step_and_how_long_steps_take(
    grpo: TrainingRun, client: Any, researcher: Any
) -> None:
    from webapp.core.jobs import job_cancel

    event_apply(ProgressEvent(grpo.job_id, 1, "started", 0, {"kind": "grpo"}, timestamp=T0))
    client.force_login(researcher)
    assert job_cancel(grpo)  # running, its worker alive: it stops at its next check
    message = _page_message(client, grpo)
    assert message == f"{STOPS} (no step has been timed yet, so how long that takes is unknown)"
    # Six timed steps: the oldest (a slow first step) is outside the window of the last five.
    for seq, seconds in enumerate([20.0, 2.0, 3.0, 4.0, 5.0, 60.0], start=2):
        metrics = {"loss": 0.1, "time/step_s": seconds}
        event_apply(ProgressEvent(grpo.job_id, seq, "metrics", seq - 1, metrics, timestamp=T0 + seq))
    message = _page_message(client, grpo)
    assert message == f"{STOPS} (steps take about 4.0 s here: the median of the last 5 timed steps)"
    assert 'id="run-eta"' not in client.get(f"/runs/{grpo.pk}/").content.decode()  # it stops: no time left

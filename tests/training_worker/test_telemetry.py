"""What a training job reports about itself: where each step's time goes (generation, reward
in the real sandbox, update), tokens per second and peak memory, and its own logging as
batched ``log_batch`` events (the run page's log tail), on a tiny model on the CPU."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from tests.training_worker.conftest import Run, new_job_id, run_spec
from training_worker.contracts import (
    METRIC_GENERATION_S,
    METRIC_PEAK_RSS_MB,
    METRIC_REWARD_S,
    METRIC_STEP_S,
    METRIC_TOKENS_PER_S,
    METRIC_UPDATE_S,
    JobSpec,
)
from training_worker.events import Emitter, ListSink
from training_worker.joblog import capture_job_log

RL = {"learning_rate": 1e-4, "max_steps": 3, "per_device_train_batch_size": 4, "num_generations": 4,
      "max_completion_length": 24, "save_steps": 3, "beta": 0.0}  # fmt: skip


def _grpo(tiny_model: Path, problems_file: Path, artifact_root: Path) -> Run:
    job_id = new_job_id("grpo-telemetry")
    spec = JobSpec(
        job_id=job_id,
        kind="grpo",
        model=str(tiny_model),
        data_uris=[str(problems_file)],
        artifact_prefix=str(artifact_root / "runs" / job_id),
        method_config=RL,
    )
    return run_spec(spec, artifact_root)


def _lines(run: Run) -> list[dict[str, object]]:
    return [line for event in run.of("log_batch") for line in event.payload["lines"]]


def test_a_grpo_step_reports_its_time_split_tokens_per_second_and_peak_memory(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    run = _grpo(tiny_model, problems_file, artifact_root)
    assert run.outcome.status == "finished", run.of("failed")
    metrics = [m.payload for m in run.of("metrics")]
    assert len(metrics) == 3
    for m in metrics:
        generation, reward, update, step = (m[k] for k in (METRIC_GENERATION_S, METRIC_REWARD_S,
                                                           METRIC_UPDATE_S, METRIC_STEP_S))  # fmt: skip
        # Every stage took time (the sandbox judged 4 completions per step) and the parts
        # add up to the step (update is the rest, never negative).
        assert generation > 0 and reward > 0 and update >= 0
        assert abs(generation + reward + update - step) < 1e-6
        assert m[METRIC_TOKENS_PER_S] > 0 and m[METRIC_PEAK_RSS_MB] > 50  # a torch process
    # The progress lines of the job's log say the same, one per logged step.
    progress = [str(x["message"]) for x in _lines(run) if x["logger"] == "training_worker.progress"]
    assert [p.split(" · ")[0] for p in progress] == ["step 1/3", "step 2/3", "step 3/3"]
    assert all("generation" in p and "reward" in p and "update" in p for p in progress)
    # The last batch of lines comes before the ending event.
    types = [e.type for e in run.sink.events]
    assert types[-1] == "finished" and types.index("log_batch") < types.index("finished")


def test_an_sft_step_reports_its_time_without_a_split(memorised: Run) -> None:
    metrics = [m.payload for m in memorised.of("metrics")]
    assert all(m[METRIC_STEP_S] > 0 and METRIC_GENERATION_S not in m for m in metrics)
    assert all(m[METRIC_PEAK_RSS_MB] > 50 and m[METRIC_TOKENS_PER_S] > 0 for m in metrics)


def test_the_job_log_is_batched_capped_and_carries_warnings_and_the_error() -> None:
    sink = ListSink()
    emitter = Emitter("log-test", sink)
    try:
        with capture_job_log(emitter, every_s=3600, max_lines=5, batch_lines=2):
            logging.getLogger("training_worker.runners").info("loading the model")
            warnings.warn("a library warning", UserWarning, stacklevel=1)
            logging.getLogger("training_worker.runners").debug("not at INFO: left out")
            for i in range(6):
                logging.getLogger("a.library").warning("line %d", i)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    batches = sink.of_type("log_batch")
    lines = [line for b in batches for line in b.payload["lines"]]
    # 5 lines kept (the cap), 2 per event; the rest (4 warnings and the error) counted.
    assert [len(b.payload["lines"]) for b in batches] == [2, 2, 1]
    assert lines[0]["message"] == "loading the model" and lines[0]["level"] == "info"
    assert "a library warning" in str(lines[1]["message"]) and lines[1]["logger"] == "py.warnings"
    assert batches[-1].payload["dropped"] == 4
    assert "4 more log lines" in sink.of_type("log")[-1].payload["message"]


def test_the_error_that_ends_a_job_is_the_last_line_of_its_log() -> None:
    sink = ListSink()
    try:
        with capture_job_log(Emitter("log-test-2", sink), every_s=3600):
            raise ValueError("bad value in the trainer")
    except ValueError:
        pass
    last = sink.of_type("log_batch")[-1].payload["lines"][-1]
    assert last["level"] == "error" and "ValueError: bad value in the trainer" in str(last["message"])

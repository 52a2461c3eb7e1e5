"""scripts/gpu_check.sh, the one GPU check, on a machine without CUDA: it parses, names every
step the issue asks for, plans a valid job spec for each, refuses cleanly (exit 2, the reason
printed, no traceback) without CUDA, and its figure lines come from real runs' events."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from training_worker.configs import GRPOMethodConfig, SFTMethodConfig
from training_worker.contracts import JobSpec

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gpu_check.sh"
HELPER = REPO / "scripts" / "gpu_check.py"
GENERATE = REPO / "scripts" / "gpu_generate_check.py"
FIGURE = re.compile(r"^gpu_check: ([\w-]+): (.+)$", re.M)

pytestmark = pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="checks the refusals of a host without CUDA"
)


def _run(command: list[str], out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PY": sys.executable, "OUT": str(out), "PYTHONPATH": str(REPO), **env}
    return subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=240)


def test_the_script_parses_and_names_every_required_step() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    text = SCRIPT.read_text()
    for step in ("run sft sft", "run grpo grpo", "run grpo-vllm grpo", "gpu_generate_check.py", "sft-2gpu"):
        assert step in text, step
    assert '\\"use_vllm\\": true, \\"vllm_mode\\": \\"colocate\\"' in text
    assert 'limit="${GPU_CHECK_TIMEOUT_S:-480}"' in text and 'timeout -k 15 "$limit"' in text
    # Offline before the first Python runs; nothing that fetches anything.
    first_python = text.index('"$PY"')
    assert text.index("export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1") < first_python
    assert "prepare-default-model" in text
    for fetch in ("curl ", "wget ", "pip install -", "snapshot_download", "huggingface-cli", "hf download"):
        assert fetch not in text, fetch


def test_the_plan_is_a_valid_spec_for_every_step(tmp_path: Path) -> None:
    done = _run(["bash", str(SCRIPT)], tmp_path, GPU_CHECK_PLAN="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gpu_check: result: plan written" in done.stdout
    specs = {
        p.name.removesuffix(".spec.json"): JobSpec.from_json(p.read_text())
        for p in tmp_path.glob("*.spec.json")
    }
    assert set(specs) == {"sft", "grpo", "grpo-vllm", "sft-2gpu"}
    configs = {
        name: (GRPOMethodConfig if spec.kind == "grpo" else SFTMethodConfig).from_dict(spec.method_config)
        for name, spec in specs.items()
    }
    assert all(c.bf16 for c in configs.values()), "every step trains in bf16"
    assert all(spec.model == "default" for spec in specs.values())
    vllm = configs["grpo-vllm"]
    assert isinstance(vllm, GRPOMethodConfig) and vllm.use_vllm and vllm.vllm_mode == "colocate"
    assert not configs["grpo"].to_dict()["use_vllm"]
    assert configs["sft-2gpu"].num_processes == 2 and configs["sft"].num_processes == 1
    assert "gpu_check: plan: generate: scripts/gpu_generate_check.py --require-cuda --once" in done.stdout
    assert len((tmp_path / "problems.jsonl").read_text().splitlines()) == 6


def test_without_cuda_the_check_refuses_before_anything_runs(tmp_path: Path) -> None:
    done = _run(["bash", str(SCRIPT)], tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "gpu_check: refused: no CUDA device here" in done.stdout
    assert "== default model" not in done.stdout and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.spec.json"))


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ([str(HELPER), "device"], "gpu_check: refused: no CUDA device here"),
        (
            [str(HELPER), "ranks", "sft-2gpu", "spec.json", "ev.jsonl", "2"],
            "gpu_check: sft-2gpu: skipped (0 CUDA",
        ),
        (
            [str(GENERATE), "--require-cuda", "--once", "--tiny"],
            "gpu_generate_check: refused: no CUDA device",
        ),
        (
            [
                str(HELPER),
                "spec",
                "grpo-server",
                "grpo",
                '{"use_vllm": true, "vllm_mode": "server"}',
                "",
                ".",
            ],
            "gpu_check: refused: grpo-server: vllm_server_base_url: needed when vllm_mode is 'server'",
        ),
        (
            [str(HELPER), "spec", "bad", "sft", '{"max_steps": ', "", "."],
            "gpu_check: refused: bad: Expecting",
        ),
    ],
    ids=["device", "ranks", "generate", "spec-server-mode", "spec-json"],
)
def test_each_python_part_refuses_cleanly_without_cuda(tmp_path: Path, command: list[str], says: str) -> None:
    done = _run([sys.executable, *command], tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stdout
    assert "Traceback" not in done.stderr


def test_figure_lines_come_from_a_real_runs_events(
    tmp_path: Path, tiny_model: Path, problems_file: Path
) -> None:
    """A tiny SFT run through the CLI (as the script runs each step), then its summary."""
    spec = JobSpec(
        job_id="gpu-check-tiny", kind="sft", model=str(tiny_model), data_uris=[str(problems_file)],
        artifact_prefix=str(tmp_path / "runs" / "tiny"), seed=0,
        method_config={"learning_rate": 0.01, "max_steps": 4, "per_device_train_batch_size": 2,
                       "save_steps": 4},
    )  # fmt: skip
    (tmp_path / "tiny.spec.json").write_text(spec.to_json())
    events = tmp_path / "tiny.events.jsonl"
    cli = [
        sys.executable,
        "-m",
        "training_worker",
        "run",
        str(tmp_path / "tiny.spec.json"),
        "--events",
        str(events),
    ]
    assert _run(cli, tmp_path, ARTIFACT_ROOT=str(tmp_path)).returncode == 0
    done = _run([sys.executable, str(HELPER), "summary", "tiny", str(events)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(FIGURE.findall(done.stdout))
    assert re.fullmatch(r"\d+\.\d\d \(median of 3 steps\)", figures["tiny_seconds_per_step"])
    assert figures["tiny"].startswith("finished at step 4 ")
    checkpoint = _run([sys.executable, str(HELPER), "checkpoint", str(events)], tmp_path).stdout.strip()
    assert checkpoint.endswith("checkpoint-4") and figures["tiny"].endswith(checkpoint)
    failed = [json.loads(line) for line in events.read_text().splitlines()][:1]  # started only: no ending
    (tmp_path / "cut.jsonl").write_text(json.dumps(failed[0]) + "\n")
    cut = _run([sys.executable, str(HELPER), "summary", "cut", str(tmp_path / "cut.jsonl")], tmp_path)
    assert cut.returncode == 1 and "gpu_check: cut: FAILED (no ending event)" in cut.stdout


def test_generation_prints_tokens_per_second_for_each_backend_it_can_run(tmp_path: Path) -> None:
    command = [
        str(GENERATE),
        "--once",
        "--tiny",
        "--samples",
        "2",
        "--max-new-tokens",
        "8",
        "--out",
        str(tmp_path),
    ]
    done = _run([sys.executable, *command], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(FIGURE.findall(done.stdout))
    assert re.fullmatch(
        r"\d+ \(\d+ tokens, 4 samples, \d+\.\d\d s\)", figures["generate_transformers_tokens_per_s"]
    )
    assert figures["generate_vllm_tokens_per_s"] == "skipped (needs the vllm package and CUDA)"

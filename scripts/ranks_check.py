"""Two ranks against one process on the CPU (gloo): the tiny test model trained for 8 SFT
steps with one global batch of 2 rows, as one process (2 rows per device) and as two ranks
(1 row each), through training_worker.ranks. Prints both loss curves, their largest
relative difference per step, and the wall time of each (process start included).

    .venv/bin/python scripts/ranks_check.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.training_worker.tiny import build_tiny_model, write_problems
from training_worker.ranks import Ranks, wait_ranks

CONFIG = {"learning_rate": 0.01, "max_steps": 8, "lr_scheduler_type": "constant", "save_steps": 8}


def _spec(root: Path, name: str, config: dict[str, object]) -> Path:
    path = root / f"{name}.json"
    spec = {
        "job_id": name,
        "kind": "sft",
        "model": str(root / "model"),
        "data_uris": [str(root / "problems.jsonl")],
        "artifact_prefix": str(root / "runs" / name),
        "method_config": config,
        "seed": 0,
    }
    path.write_text(json.dumps(spec))
    return path


def _losses(events: Path) -> list[float]:
    lines = events.read_text().splitlines()
    return [e["payload"]["loss"] for e in map(json.loads, lines) if e["type"] == "metrics"]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ranks-check-") as tmp:
        root = Path(tmp)
        build_tiny_model(root / "model")
        write_problems(root / "problems.jsonl")
        os.environ["ARTIFACT_ROOT"] = str(root)
        cli = [sys.executable, "-m", "training_worker", "run"]
        one = _spec(root, "one", {**CONFIG, "per_device_train_batch_size": 2})
        started = time.perf_counter()
        subprocess.run(
            [*cli, str(one), "--events", str(root / "one.jsonl")], check=True, stderr=subprocess.DEVNULL
        )
        one_s = time.perf_counter() - started
        two = _spec(root, "two", {**CONFIG, "per_device_train_batch_size": 1, "num_processes": 2})
        ranks = Ranks([*cli, str(two), "--events", str(root / "two.jsonl")], 2, root)
        started = time.perf_counter()
        ranks.start()
        wait_ranks(ranks, None, grace_s=120)
        two_s = time.perf_counter() - started
        a, b = _losses(root / "one.jsonl"), _losses(root / "two.jsonl")
    print("one process:", [round(x, 6) for x in a])
    print("two ranks:  ", [round(x, 6) for x in b])
    worst = max(abs(x - y) / abs(x) for x, y in zip(a, b, strict=True))
    print(f"largest relative difference per step: {worst:.2e}")
    print(f"wall time: one process {one_s:.1f} s, two ranks {two_s:.1f} s (process start included)")
    return 0 if len(a) == len(b) == CONFIG["max_steps"] else 1


if __name__ == "__main__":
    sys.exit(main())

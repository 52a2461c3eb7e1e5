"""The Python parts of ``scripts/gpu_check.sh``, one subcommand each, so that the shell script
stays a list of steps and each part can be run (and refuse) on its own:

    python scripts/gpu_check.py device                   # refuses (exit 2) without CUDA
    python scripts/gpu_check.py problems OUT.jsonl
    python scripts/gpu_check.py spec NAME KIND CONFIG_JSON INIT OUT   # writes OUT/NAME.spec.json
    python scripts/gpu_check.py summary NAME EVENTS.jsonl             # figure lines
    python scripts/gpu_check.py checkpoint EVENTS.jsonl               # the finished checkpoint
    python scripts/gpu_check.py ranks NAME SPEC EVENTS N              # N ranks (training_worker.ranks)

Figures are printed one per line as ``gpu_check: <name>: <value>``.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: (name, text, parameters, return type, solution body, cases' args, expected results).
TASKS = [
    ("sum_list", "Return the sum of the integers in xs.", "xs: list[int]", "int", "return sum(xs)",
     [[[1, 2, 3]], [[]]], [6, 0]),
    ("max_of", "Return the largest integer in the non-empty list xs.", "xs: list[int]", "int",
     "return max(xs)", [[[1, 5, 3]]], [5]),
    ("reverse_string", "Return the string s reversed.", "s: str", "str", "return s[::-1]",
     [["abc"]], ["cba"]),
    ("is_even", "Return True if n is even, False otherwise.", "n: int", "bool", "return n % 2 == 0",
     [[4], [7]], [True, False]),
    ("square", "Return n squared.", "n: int", "int", "return n * n", [[3], [-4]], [9, 16]),
    ("to_upper", "Return the string s in upper case.", "s: str", "str", "return s.upper()",
     [["abc"]], ["ABC"]),
]  # fmt: skip


def figure(name: str, value: Any) -> None:
    print(f"gpu_check: {name}: {value}", flush=True)


def refuse(reason: str) -> int:
    print(f"gpu_check: refused: {reason}", flush=True)
    return 2


def device() -> int:
    """What this host has; exit 2 (refused) without a CUDA device."""
    import importlib.util

    import torch

    print(f"torch {torch.__version__}, built for CUDA {torch.version.cuda}", flush=True)
    if not torch.cuda.is_available():
        return refuse("no CUDA device here (torch.cuda.is_available() is False); run it on a GPU host")
    count = torch.cuda.device_count()
    names = sorted({torch.cuda.get_device_name(i) for i in range(count)})
    figure("device", f"{count} x {', '.join(names)}")
    figure("bf16", torch.cuda.is_bf16_supported())
    vllm = importlib.util.find_spec("vllm") is not None
    figure("vllm", "installed" if vllm else "not installed (pip install '.[gpu]')")
    return 0


def problems(out: str) -> int:
    with open(out, "w", encoding="utf-8") as f:
        for name, text, params, ret, body, args, expected in TASKS:
            sig = f"def {name}({params}) -> {ret}"
            record = {
                "task_id": f"gpu_check/{name}", "source": "gpu_check", "pool": None, "lang": "en",
                "prompt": f"{text}\n\n{sig}:\n", "entry_point": name, "solution": f"{sig}:\n    {body}",
                "cases": [{"args": a, "expected": e} for a, e in zip(args, expected, strict=True)],
                "test": None, "meta": {},
            }  # fmt: skip
            f.write(json.dumps(record) + "\n")
    return 0


def spec(name: str, kind: str, config: str, init: str, out: str) -> int:
    """A JobSpec for the default model on the check's problems; its method config is
    validated as the worker will (exit 2 naming the field when it is not valid)."""
    from training_worker.configs import ConfigError
    from training_worker.contracts import ContractError, JobSpec
    from training_worker.registry import method

    try:
        values = json.loads(config)
        method(kind).config_class.from_dict(values)
        job = JobSpec(
            job_id=f"gpu-check-{name}", kind=kind, model="default",
            data_uris=[os.path.abspath(f"{out}/problems.jsonl")],
            artifact_prefix=os.path.abspath(f"{out}/runs/{name}"), method_config=values,
            seed=0, init_checkpoint=init or None,
        )  # fmt: skip
    except (ValueError, ContractError, ConfigError, LookupError) as exc:
        return refuse(f"{name}: {exc}")
    Path(out, f"{name}.spec.json").write_text(job.to_json(), encoding="utf-8")
    return 0


def _events(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def summary(name: str, events_path: str) -> int:
    """The run's ending and per-step metrics, and its figures: seconds per step (median of
    the gaps between metric events, so model loading is left out), the last loss, the
    mean reward (RL) and the ending. Exit 1 when the run did not finish."""
    events = _events(events_path)
    metrics = [e for e in events if e["type"] == "metrics"]
    for m in metrics:
        p = m["payload"]
        keys = ("loss", "reward", "kl", "completion_length", "rollouts/passed", "grad_norm")
        print(
            f"  step {m['step']}: "
            + ", ".join(f"{k}={p[k]:.4g}" for k in keys if isinstance(p.get(k), (int, float)))
        )
    ends = [e for e in events if e["type"] in ("finished", "failed", "cancelled")]
    end = ends[-1] if ends else None
    gaps = [b["timestamp"] - a["timestamp"] for a, b in itertools.pairwise(metrics)]
    if gaps:
        figure(f"{name}_seconds_per_step", f"{statistics.median(gaps):.2f} (median of {len(gaps)} steps)")
    if metrics and isinstance(metrics[-1]["payload"].get("loss"), (int, float)):
        figure(f"{name}_last_loss", f"{metrics[-1]['payload']['loss']:.4g} (step {metrics[-1]['step']})")
    rewards = [
        m["payload"]["reward"] for m in metrics if isinstance(m["payload"].get("reward"), (int, float))
    ]
    if rewards:
        figure(f"{name}_mean_reward", f"{statistics.mean(rewards):.3f} (over {len(rewards)} steps)")
    if end is None:
        figure(name, "FAILED (no ending event)")
        return 1
    detail = end["payload"].get("error") or end["payload"].get("checkpoint") or ""
    figure(name, f"{end['type']} at step {end['step']} {detail}".rstrip())
    return 0 if end["type"] == "finished" else 1


def checkpoint(events_path: str) -> int:
    ends = [e for e in _events(events_path) if e["type"] == "finished"]
    print(ends[-1]["payload"].get("checkpoint") or "" if ends else "")
    return 0


def ranks(name: str, spec_path: str, events_path: str, count: str) -> int:
    """The job in ``count`` ranks through training_worker.ranks, one per GPU; refused (exit
    2, with the reason) on a host with fewer CUDA devices."""
    import torch

    from training_worker.ranks import Ranks, wait_ranks

    n = int(count)
    have = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if have < n:
        figure(name, f"skipped ({have} CUDA device(s); needs {n})")
        return 2
    cli = [sys.executable, "-m", "training_worker", "run", spec_path, "--events", events_path]
    with tempfile.TemporaryDirectory(prefix="gpu-check-ranks-") as tmp:
        job = Ranks(cli, n, Path(tmp))
        job.start()
        wait_ranks(job, None, grace_s=60)
        failed = [e for e in job.exits if e.returncode != 0]
        for exit_ in failed:
            print(f"  {exit_.reason()}\n{job.tail(exit_.rank)}", flush=True)
    return 1 if failed else 0


COMMANDS = {"device": device, "problems": problems, "spec": spec, "summary": summary,
            "checkpoint": checkpoint, "ranks": ranks}  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 64
    return int(COMMANDS[argv[0]](*argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

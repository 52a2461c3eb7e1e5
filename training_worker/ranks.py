"""Several processes for one job (``num_processes`` > 1): the job's ranks, started and
watched by the process that took the job (the Celery task), with the environment
``torchrun`` gives its workers (``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``, ``LOCAL_RANK``,
``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``). transformers' Trainer (through accelerate) reads it
and joins one process group: NCCL, one GPU per rank, when the worker has CUDA; gloo on the
CPU otherwise, so the same path runs in CI.

Why not ``torchrun`` itself: its elastic agent sits between the task and the ranks, so the
task could neither say which rank died of which signal nor make sure no rank outlives it.
Here the task is every rank's parent:

- it holds the job's Redis lock and beats its heartbeat while the ranks run (the ranks take
  no lock; rank 0 polls the cancel flag and ``_broadcast`` stops every rank at one step);
- rank 0 alone sends events, but not its ending one: it writes that to a file, and the task
  sends exactly one ending event once every rank has exited (rank 0's, or ``failed`` with
  the reason: which rank died of which signal or exit status, and the end of its log);
- a rank that dies stops the others (SIGTERM to the ranks' process group after a grace,
  then SIGKILL), and every rank gets SIGKILL when the task's process dies
  (``PR_SET_PDEATHSIG``): nothing is left behind.

Global batch: each rank takes its own ``per_device_train_batch_size`` rows per micro-batch,
so one optimizer step sees ``per_device_train_batch_size x gradient_accumulation_steps x
num_processes`` rows. Two ranks with half the per-device batch train on the same global
batch, in the same order, as one process (``tests/training_worker/test_ranks.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training_worker.configs import ConfigError
from training_worker.contracts import TERMINAL_EVENTS, JobSpec, ProgressEvent
from training_worker.control import Heartbeat, JobControl
from training_worker.deathsig import die_with_parent
from training_worker.events import Emitter, EventSink
from training_worker.presence import current_job, rss_bytes

#: Seconds the other ranks get to end by themselves after one rank exited with an error
#: (rank 0 then writes its own ending); past it they are stopped.
GRACE_S = 10.0


def capacity() -> tuple[int, str]:
    """How many ranks this worker can run at once, and of what: its CUDA devices, or
    without CUDA the CPU cores this process may use."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.device_count(), "CUDA device(s)"
    return len(os.sched_getaffinity(0)), "CPU core(s) and no CUDA device"


def check_capacity(processes: int) -> None:
    """Refuse more ranks than devices (GPUs, or cores without one), naming the field."""
    count, what = capacity()
    if processes > count:
        raise ConfigError("num_processes", f"{processes} processes asked, but this worker has {count} {what}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rank_env(rank: int, world: int, port: int) -> dict[str, str]:
    """The environment of rank ``rank`` of ``world`` on this machine (torchrun's variables);
    CPU threads are shared out so that the ranks do not oversubscribe the cores."""
    threads = max(1, len(os.sched_getaffinity(0)) // world)
    return {
        **os.environ,
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": str(rank),
        "LOCAL_RANK": str(rank),
        "WORLD_SIZE": str(world),
        "LOCAL_WORLD_SIZE": str(world),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(threads)),
    }


@dataclass
class RankExit:
    """How one rank ended."""

    rank: int
    pid: int
    returncode: int
    #: Stopped by the launcher (after another rank died), not by itself.
    stopped: bool = False
    #: Where it ran, when not on this machine (a Ray node's address).
    host: str | None = None
    #: Why it ended, when no exit status says it (e.g. its Ray actor died).
    detail: str | None = None

    @property
    def killed(self) -> bool:
        """Died of a signal nobody here sent."""
        return self.returncode < 0 and not self.stopped

    def reason(self) -> str:
        """``rank 1 (pid 42) was killed by signal SIGKILL`` or ``... exited with status 1``."""
        who = f"rank {self.rank} (pid {self.pid}{f' on {self.host}' if self.host else ''})"
        if self.detail:
            return f"{who} {self.detail}"
        if self.returncode < 0:
            return f"{who} was killed by signal {signal.Signals(-self.returncode).name}"
        return f"{who} exited with status {self.returncode}"


@dataclass
class Ranks:
    """The ranks of one job: started together in one process group of their own."""

    command: list[str]
    processes: int
    logdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    exits: list[RankExit] = field(default_factory=list)
    stopping: bool = False

    def start(self) -> None:
        """Start every rank; its output goes to ``logdir/rank-<n>.log``."""
        port = _free_port()
        for rank in range(self.processes):
            with open(self.log(rank), "wb") as out:
                self.procs.append(
                    subprocess.Popen(
                        self.command,
                        env=rank_env(rank, self.processes, port),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        process_group=self.procs[0].pid if self.procs else 0,
                        preexec_fn=die_with_parent,
                    )
                )

    def log(self, rank: int) -> Path:
        """The file rank ``rank`` writes its output to."""
        return self.logdir / f"rank-{rank}.log"

    def tail(self, rank: int, lines: int = 15) -> str:
        """The last lines of rank ``rank``'s output."""
        try:
            text = self.log(rank).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def poll(self) -> bool:
        """Record the ranks that exited since the last call; True when all have."""
        ended = {e.rank for e in self.exits}
        for rank, proc in enumerate(self.procs):
            if rank not in ended and proc.poll() is not None:
                self.exits.append(RankExit(rank, proc.pid, int(proc.returncode), stopped=self.stopping))
        return len(self.exits) == len(self.procs)

    def stop(self) -> None:
        """SIGTERM to the ranks' group, then SIGKILL to whatever is left of it, and reap."""
        self.poll()  # ranks that ended by themselves are not counted as stopped
        self.stopping = True
        if not self.procs:
            return
        group = self.procs[0].pid
        for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 30.0)):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait_s
            while not self.poll() and time.monotonic() < deadline:
                time.sleep(0.1)
        self.poll()

    def rss(self) -> int:
        """The resident memory of the ranks still running."""
        return sum(rss_bytes(p.pid) for p in self.procs if p.poll() is None)

    def sweep(self) -> None:
        """SIGKILL to whatever is left of the ranks' group (a rank's own children)."""
        with contextlib.suppress(ProcessLookupError, IndexError):
            os.killpg(self.procs[0].pid, signal.SIGKILL)

    def events(self) -> str:
        """What rank 0 wrote to its events file (``--events``), "" when nothing."""
        if "--events" not in self.command:
            return ""
        events_file = Path(self.command[self.command.index("--events") + 1])
        return events_file.read_text(encoding="utf-8") if events_file.exists() else ""

    def close(self) -> None:
        """Give back what the ranks held (nothing for local ranks)."""


def wait_ranks(ranks: Ranks, heartbeat: Heartbeat | None, *, grace_s: float = GRACE_S) -> str | None:
    """Wait until every rank has exited. A rank that fails, or rank 0 ending (it has written
    the job's ending), gives the others ``grace_s`` to end by themselves before they are
    stopped; a lost job lock stops them at once (the returned reason)."""
    failed_at: float | None = None
    while not ranks.poll():
        if heartbeat is not None and heartbeat.lost.is_set():
            ranks.stop()
            return "another worker took over this job (its lock expired); its ranks were stopped"
        if failed_at is None and any(e.returncode != 0 or e.rank == 0 for e in ranks.exits):
            failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at > grace_s:
            ranks.stop()
        time.sleep(0.2)
    # A rank's own children (e.g. sandbox workers) go with it (they die with their parent);
    # the group is swept once more in case one outlived it.
    ranks.sweep()
    return None


def held_ending(events: str) -> ProgressEvent | None:
    """Rank 0's ending event, from what it wrote to its events file (None when none)."""
    ending = None
    for line in events.splitlines():
        try:
            event = ProgressEvent.from_json(line)
        except Exception:  # a line cut short by a kill
            continue
        if event.type in TERMINAL_EVENTS:
            ending = event
    return ending


def ending(
    ranks: Ranks, held: ProgressEvent | None, stopped_reason: str | None
) -> tuple[str, dict[str, Any]]:
    """The job's one ending event: rank 0's, unless a rank died of a signal or failed
    without rank 0 saying why, then ``failed`` naming that rank."""
    killed = next((e for e in ranks.exits if e.killed), None)
    bad = next((e for e in ranks.exits if e.returncode != 0 and not e.stopped), None)
    trusted = stopped_reason is None and killed is None and held is not None
    if held is not None and trusted and (held.type == "failed" or bad is None):
        return held.type, held.payload
    culprit = killed or bad
    if stopped_reason is not None:
        error = stopped_reason
    elif culprit is not None:
        error = f"{culprit.reason()}; the other ranks were stopped"
    else:
        error = "rank 0 ended without saying how the job ended"
    payload: dict[str, Any] = {"error": error, "ranks": [e.__dict__ for e in ranks.exits]}
    if culprit is not None and culprit.returncode > 0:
        payload["error"] += f"\n{ranks.tail(culprit.rank)}"
    if held is not None and held.type == "failed":
        payload["rank0_error"] = held.payload.get("error")
    return "failed", payload


def child_command(spec_file: Path, events_file: Path, redis_url: str) -> list[str]:
    """One rank's command line: the CLI in supervised mode (see the module docstring)."""
    return [
        sys.executable, "-m", "training_worker", "run", str(spec_file),
        "--redis", redis_url, "--celery", "--supervised", "--events", str(events_file),
    ]  # fmt: skip


def placement(spec: JobSpec) -> str:
    """Where the job's ranks run: ``ray`` when its config names ``placement: ray``, or when it
    asks for more ranks than this worker has and the worker has ``RAY_ADDRESS``; otherwise
    ``local`` (refused, naming the field, when this worker has too few devices or no Ray)."""
    processes = int(spec.method_config.get("num_processes", 1))
    if spec.method_config.get("placement") == "ray":
        from training_worker.ray_ranks import check_ray

        check_ray()
        return "ray"
    count, _ = capacity()
    if processes > count and os.environ.get("RAY_ADDRESS"):
        from training_worker.ray_ranks import check_ray

        check_ray()
        return "ray"
    check_capacity(processes)
    return "local"


def _launcher(where: str, spec: JobSpec, spec_json: str, tmp: Path, redis_url: str) -> Ranks:
    spec_file, events_file = tmp / "spec.json", tmp / "events.jsonl"
    processes = int(spec.method_config.get("num_processes", 1))
    if where == "ray":
        from training_worker.ray_ranks import RayRanks

        return RayRanks([], processes, tmp, job_id=spec.job_id, spec_json=spec_json, redis_url=redis_url)
    spec_file.write_text(spec_json, encoding="utf-8")
    return Ranks(child_command(spec_file, events_file, redis_url), processes, tmp)


def run_ranks(
    spec: JobSpec,
    spec_json: str,
    *,
    sink: EventSink,
    control: JobControl,
    redis_url: str,
    heartbeat_s: float,
) -> tuple[str, int]:
    """Run the job in ``num_processes`` ranks, on this machine or on a Ray cluster (see
    :func:`placement`), under this process's lock and heartbeat (the caller has claimed the
    job); sends the ending event; returns its type and step."""
    emitter = Emitter(spec.job_id, sink, next_seq=control.next_seq)
    processes = int(spec.method_config.get("num_processes", 1))
    try:
        where = placement(spec)
    except ConfigError as exc:
        emitter.emit("failed", {"error": str(exc)}, step=spec.resume_step or 0)
        return "failed", spec.resume_step or 0

    def beat() -> None:
        # The memory of the job is the task's and its ranks' together.
        emitter.emit(
            "heartbeat",
            {"host": socket.gethostname(), "pid": os.getpid(), "ranks": processes, "placement": where,
             "rss_bytes": rss_bytes() + ranks.rss()},
        )  # fmt: skip

    heartbeat = Heartbeat(heartbeat_s, control=control, on_beat=beat)
    with tempfile.TemporaryDirectory(prefix="atomlab-ranks-") as tmp:
        ranks = _launcher(where, spec, spec_json, Path(tmp), redis_url)
        heartbeat.start()
        current_job["job_id"] = spec.job_id
        try:
            ranks.start()
            stopped_reason = wait_ranks(ranks, heartbeat)
        except Exception as exc:  # e.g. a rank that could not be started
            stopped_reason = f"could not run the job's ranks: {type(exc).__name__}: {exc}"
        finally:
            ranks.stop()
            heartbeat.stop()
            current_job["job_id"] = None
        try:
            held = held_ending(ranks.events())
            kind, payload = ending(ranks, held, stopped_reason)
        finally:
            ranks.close()
    step = held.step if held is not None else spec.resume_step or 0
    emitter.emit(kind, payload, step=step)
    return kind, step

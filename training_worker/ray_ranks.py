"""A job's ranks on a Ray cluster (``placement: ray``, or more ranks than the worker has with
``RAY_ADDRESS`` set): the same rank command as :mod:`training_worker.ranks`, started on the
cluster's nodes instead of this machine; everything else (lock, heartbeat, cancel through
rank 0, the one ending event) stays with the Celery task, which is the Ray driver.

Ray core, not Ray Train or the Jobs API: one placement group of one bundle per rank (one CPU,
or one GPU when the cluster has enough), one small actor per bundle that runs the rank
command as a subprocess with torchrun's environment (``MASTER_ADDR`` = rank 0's node). The
ranks are then the very processes a local job runs, and the task can still say which rank
died of what: each actor reports its subprocess's exit status, a dead actor (a lost node)
fails the job naming that rank. After the job the actors are killed (their subprocesses die
with them, ``PR_SET_PDEATHSIG``) and the placement group is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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
from training_worker.deathsig import die_with_parent
from training_worker.presence import rss_bytes
from training_worker.ranks import RankExit, Ranks, child_command

#: Environment the ranks get from the worker (its settings), whatever the node's own is.
FORWARDED = ("ATOMLAB_", "ARTIFACT_ROOT", "REDIS_URL", "BROKER_", "SANDBOX_URL", "HF_", "TRANSFORMERS_")
#: Seconds to wait for the cluster to find room for every rank.
PLACEMENT_TIMEOUT_S = 120.0
#: Seconds one call to a rank's actor may take before it counts as lost.
CALL_TIMEOUT_S = 60.0


def check_ray() -> None:
    """Refuse, naming the field, when this worker cannot reach a Ray cluster."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise ConfigError(
            "placement", "this worker cannot run ranks on Ray: the ray package is not installed (.[cluster])"
        ) from None
    if not os.environ.get("RAY_ADDRESS"):
        raise ConfigError("placement", "this worker cannot run ranks on Ray: RAY_ADDRESS is not set on it")


class RankHost:
    """Runs one rank's command on a Ray node (the body of a Ray actor)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="atomlab-ray-rank-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def where(self) -> tuple[str, str]:
        """This node's id and IP address."""
        import ray

        return ray.get_runtime_context().get_node_id(), ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]

    def free_port(self) -> int:
        with socket.socket() as sock:
            sock.bind(("", 0))
            return int(sock.getsockname()[1])

    def start(self, spec_json: str, redis_url: str, env: dict[str, str]) -> int:
        """Start the rank command; returns its pid."""
        (self.dir / "spec.json").write_text(spec_json, encoding="utf-8")
        command = child_command(self.dir / "spec.json", self.dir / "events.jsonl", redis_url)
        with open(self.dir / "rank.log", "wb") as out:
            self.proc = subprocess.Popen(
                command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent,
            )  # fmt: skip
        return self.proc.pid

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def signal(self, sig: int) -> None:
        """``sig`` to the rank's process group (it and its children)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def rss(self) -> int:
        return rss_bytes(self.proc.pid) if self.proc is not None and self.proc.poll() is None else 0

    def read(self, name: str) -> str:
        path = self.dir / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def close(self) -> None:
        self.signal(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def _resources() -> dict[str, float]:
    """The connected cluster's resources (``CPU``, ``GPU``, ...)."""
    import ray

    return dict(ray.cluster_resources())  # type: ignore[no-untyped-call]


def _forwarded_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(FORWARDED)}


def rank_envs(places: list[tuple[str, str]], port: int, cpus: int) -> list[dict[str, str]]:
    """torchrun's environment for each rank, from the (node id, IP) each rank was placed on."""
    world, master = len(places), places[0][1]
    envs = []
    for rank, (node, _) in enumerate(places):
        local = [r for r, (n, _) in enumerate(places) if n == node]
        envs.append({
            **_forwarded_env(), "MASTER_ADDR": master, "MASTER_PORT": str(port), "RANK": str(rank),
            "LOCAL_RANK": str(local.index(rank)), "WORLD_SIZE": str(world),
            "LOCAL_WORLD_SIZE": str(len(local)), "OMP_NUM_THREADS": str(cpus),
        })  # fmt: skip
    return envs


@dataclass
class RayRanks(Ranks):
    """The ranks of one job, one per Ray actor in a placement group of their own."""

    job_id: str = ""
    spec_json: str = ""
    redis_url: str = ""
    actors: list[Any] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    group: Any = None

    def _call(self, rank: int, method: str, *args: Any, timeout: float = CALL_TIMEOUT_S) -> Any:
        import ray

        return ray.get(getattr(self.actors[rank], method).remote(*args), timeout=timeout)

    def start(self) -> None:
        """Connect to the cluster, reserve one bundle per rank, start every rank."""
        import ray
        from ray.util.placement_group import placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        root = str(Path(__file__).resolve().parent.parent)
        pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        # Celery replaces sys.stdout/err with proxies that have no file descriptor; Ray needs one.
        with contextlib.redirect_stdout(sys.__stdout__), contextlib.redirect_stderr(sys.__stderr__):
            ray.init(
                address=os.environ["RAY_ADDRESS"], namespace=f"atomlab-{self.job_id}", log_to_driver=False,
                runtime_env={"env_vars": {"PYTHONPATH": pythonpath}}, configure_logging=False,
            )  # fmt: skip
        gpus = _resources().get("GPU", 0) >= self.processes
        bundle = {"CPU": 1.0, "GPU": 1.0} if gpus else {"CPU": 1.0}
        self.group = placement_group([bundle] * self.processes, strategy="SPREAD")
        try:
            ray.get(self.group.ready(), timeout=PLACEMENT_TIMEOUT_S)
        except ray.exceptions.GetTimeoutError:
            raise RuntimeError(
                f"the Ray cluster at {os.environ['RAY_ADDRESS']} found no room for {self.processes} "
                f"ranks of {bundle} in {PLACEMENT_TIMEOUT_S:.0f} s (it has {_resources()})"
            ) from None
        host = ray.remote(RankHost)
        self.actors = [
            host.options(
                num_cpus=1, num_gpus=1 if gpus else 0,
                scheduling_strategy=PlacementGroupSchedulingStrategy(self.group, i),
            ).remote()
            for i in range(self.processes)
        ]  # fmt: skip
        places = [self._call(rank, "where") for rank in range(self.processes)]
        self.hosts = [ip for _, ip in places]
        envs = rank_envs(places, self._call(0, "free_port"), 1)
        self.pids = [
            self._call(r, "start", self.spec_json, self.redis_url, envs[r]) for r in range(self.processes)
        ]

    def log(self, rank: int) -> Path:
        return self.logdir / f"rank-{rank}.log"  # on the rank's node: read it with tail()

    def tail(self, rank: int, lines: int = 15) -> str:
        try:
            return "\n".join(self._call(rank, "read", "rank.log", timeout=10).splitlines()[-lines:])
        except Exception:
            return ""

    def poll(self) -> bool:
        """Record the ranks that exited (or whose actor died) since the last call."""
        import ray

        ended = {e.rank for e in self.exits}
        for rank in range(len(self.pids)):
            if rank in ended:
                continue
            exit_ = RankExit(rank, self.pids[rank], -int(signal.SIGKILL), self.stopping, self.hosts[rank])
            try:
                code = self._call(rank, "poll")
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as exc:
                exit_.detail = f"was lost with its Ray actor ({type(exc).__name__}: {str(exc)[:300]})"
                self.exits.append(exit_)
                continue
            if code is not None:
                exit_.returncode = int(code)
                self.exits.append(exit_)
        return len(self.exits) == len(self.pids)

    def stop(self) -> None:
        """SIGTERM to every rank still running, then SIGKILL, on its node."""
        self.poll()
        self.stopping = True
        for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 30.0)):
            ended = {e.rank for e in self.exits}
            for rank in range(len(self.pids)):
                if rank not in ended:
                    with contextlib.suppress(Exception):
                        self._call(rank, "signal", int(sig), timeout=10)
            deadline = time.monotonic() + wait_s
            while not self.poll() and time.monotonic() < deadline:
                time.sleep(0.2)

    def rss(self) -> int:
        try:
            return sum(self._call(rank, "rss", timeout=5) for rank in range(len(self.pids)))
        except Exception:
            return 0

    def sweep(self) -> None:
        for rank in range(len(self.pids)):
            with contextlib.suppress(Exception):
                self._call(rank, "signal", int(signal.SIGKILL), timeout=10)

    def events(self) -> str:
        try:
            return str(self._call(0, "read", "events.jsonl")) if self.actors else ""
        except Exception:
            return ""

    def close(self) -> None:
        """Kill every actor (its rank dies with it), remove the placement group, disconnect."""
        import ray
        from ray.util.placement_group import remove_placement_group

        if not ray.is_initialized():
            return
        for actor in self.actors:
            with contextlib.suppress(Exception):
                ray.get(actor.close.remote(), timeout=10)
            with contextlib.suppress(Exception):
                ray.kill(actor)
        if self.group is not None:
            with contextlib.suppress(Exception):
                remove_placement_group(self.group)
        ray.shutdown()

#!/usr/bin/env python3
"""The fault drill of issue 11, on a `make run`-like stack of its own: a fresh SQLite
database and a Redis server on a free port under a temporary folder, and the Procfile's
programs (web, cpu, events, gpu, beat) plus that Redis under scripts/supervise.py, with the
settings' default job limits (override them through the environment).

1. kill -9 the cpu worker's main process mid-synthesis: is the web server still up, when is
   the worker back, when and how does the job leave "running"?
2. kill -9 Redis mid-synthesis (the supervisor starts it again): does the cpu worker stay
   up, how does the job end, does a job sent afterwards run?

    .venv/bin/python scripts/fault_drill.py [--keep]    # prints one JSON report

Standard library only (it reads the job rows straight from the SQLite file).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PY = str(REPO / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Drill:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "atomlab.sqlite3"
        self.port, self.redis_port = free_port(), free_port()
        self.env = dict(
            os.environ,
            ATOMLAB_ENV="development",
            ATOMLAB_VAR_DIR=str(tmp / "var"),
            DATABASE_URL=f"sqlite:///{self.db}",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            ARTIFACT_ROOT=str(tmp / "artifacts"),
            PORT=str(self.port),
        )
        self.status = tmp / "supervise.json"
        self.sup: subprocess.Popen[bytes] | None = None
        self.t0 = time.monotonic()

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t0:7.1f} s] {msg}", file=sys.stderr, flush=True)

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [PY, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True, check=True
        )
        return out.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("load_atoms")
        redis = f"redis: redis-server --bind 127.0.0.1 --port {self.redis_port} --save '' --appendonly no"
        sup_cmd = [PY, "scripts/supervise.py", "Procfile", "--log-dir", str(self.tmp / "log")]
        sup_cmd += ["--status", str(self.status), "-p", redis]
        out = (self.tmp / "supervise.out").open("wb")
        self.sup = subprocess.Popen(sup_cmd, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.wait(self.web_up, 120, "the web server")
        self.wait(lambda: "ready." in self.logtext("cpu"), 120, "the cpu worker")
        self.wait(lambda: "beat: Starting" in self.logtext("beat"), 120, "beat")

    def stop(self) -> None:
        if self.sup is not None and self.sup.poll() is None:
            self.sup.send_signal(signal.SIGTERM)
            self.sup.wait(timeout=60)

    def logtext(self, name: str) -> str:
        path = self.tmp / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def pid(self, name: str) -> int | None:
        try:
            return json.loads(self.status.read_text())[name]["pid"]
        except (OSError, ValueError, KeyError):
            return None

    def web_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/livez", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def job(self, pk: int) -> dict[str, Any]:
        with sqlite3.connect(self.db, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute(
                "select status, done, total, attempt, error from core_backgroundjob where id = ?", (pk,)
            ).fetchone()
        return dict(row)

    def synthesis(self, pools: str) -> int:
        code = (
            "from webapp.synthesis.pipeline import SynthesisConfig\n"
            "from webapp.synthesis.services import run_create\n"
            "from webapp.synthesis.pipeline.params import parse_pools\n"
            f"print(run_create(by=None, config=SynthesisConfig(pools=parse_pools({pools!r}))).job_id)"
        )
        return int(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def wait(self, predicate: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise SystemExit(f"fault drill: no {what} within {timeout} s; logs in {self.tmp}")

    def running(self, pk: int) -> bool:
        j = self.job(pk)
        return j["status"] == "running" and j["done"] > 0

    def kill_cpu_worker(self) -> dict[str, Any]:
        pk = self.synthesis("A=100000")
        self.wait(lambda: self.running(pk), 180, "running synthesis")
        old = self.pid("cpu")
        assert old
        before = self.job(pk)
        self.log(f"kill -9 cpu worker {old} at job {pk} {before['done']}/{before['total']}")
        os.kill(old, signal.SIGKILL)
        killed = time.monotonic()
        web_down = 0
        back_at = None
        while True:
            if not self.web_up():
                web_down += 1
            if back_at is None and self.pid("cpu") not in (None, old):
                back_at = time.monotonic() - killed
                self.log(f"cpu worker back as {self.pid('cpu')} after {back_at:.1f} s")
            j = self.job(pk)
            if j["status"] != "running":
                left = time.monotonic() - killed
                self.log(f"job {pk} left running after {left:.1f} s: {j['status']}: {j['error'][:120]}")
                break
            if time.monotonic() - killed > 600:
                raise SystemExit(f"fault drill: job {pk} still running 600 s after the kill")
            time.sleep(1)
        return {
            "job": pk,
            "progress_at_kill": f"{before['done']}/{before['total']}",
            "worker_back_after_s": round(back_at, 1) if back_at is not None else None,
            "job_left_running_after_s": round(left, 1),
            "job_status": j["status"],
            "job_error": j["error"],
            "job_attempt": j["attempt"],
            "web_checks_failed": web_down,
            "web_up_after": self.web_up(),
        }

    def kill_redis(self) -> dict[str, Any]:
        pk = self.synthesis("A=6000")
        self.wait(lambda: self.running(pk), 180, "running synthesis")
        cpu, redis = self.pid("cpu"), self.pid("redis")
        assert cpu and redis
        self.log(f"kill -9 redis {redis} at job {pk} {self.job(pk)['done']}")
        os.kill(redis, signal.SIGKILL)
        killed = time.monotonic()
        self.wait(lambda: self.pid("redis") not in (None, redis), 60, "Redis restarted by the supervisor")
        redis_back = time.monotonic() - killed
        self.log(f"redis back after {redis_back:.1f} s")
        j = self.wait(lambda: (x := self.job(pk))["status"] != "running" and x, 900, "the job's end")
        ended = time.monotonic() - killed
        self.log(f"job {pk} ended after {ended:.1f} s: {j['status']} {j['error'][:120]}")
        after = self.synthesis("A=5")
        done = self.wait(
            lambda: (x := self.job(after))["status"] not in ("queued", "running") and x, 300, "job"
        )
        return {
            "job": pk,
            "redis_back_after_s": round(redis_back, 1),
            "job_ended_after_s": round(ended, 1),
            "job_status": j["status"],
            "job_error": j["error"],
            "cpu_worker_same_process": self.pid("cpu") == cpu,
            "job_sent_after_outage": done["status"],
            "attribute_errors_in_cpu_log": self.logtext("cpu").count("AttributeError"),
            "web_up_after": self.web_up(),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="atomlab-drill-"))
    drill = Drill(tmp)
    report: dict[str, Any] = {"tmp": str(tmp)}
    try:
        drill.start()
        report["kill_cpu_worker"] = drill.kill_cpu_worker()
        report["kill_redis"] = drill.kill_redis()
    finally:
        drill.stop()
        report["supervisor_lines"] = (tmp / "supervise.out").read_text(errors="replace").splitlines()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

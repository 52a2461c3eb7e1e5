#!/usr/bin/env python3
"""A small process supervisor for ``make run`` (no Django, standard library only).

Starts every program of a Procfile (``name: command`` lines) in its own process group, with
its output in ``<log-dir>/<name>.log``. When one exits, for whatever reason, it is started
again after a back-off (1 s, doubling up to 30 s; back to 1 s once it has stayed up for
60 s); the others are left alone, so a dead worker never takes the web server down.
SIGINT/SIGTERM stop every program (SIGTERM to its group, SIGKILL after a grace period) and
then the supervisor. ``--status FILE`` keeps a JSON file of each program's pid, restarts and
last exit, for people and tests.

    python scripts/supervise.py Procfile --log-dir var/log -p "redis: redis-server --port 6379"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
#: A program that stayed up this long starts its next back-off from the first step again.
STABLE_AFTER_S = 60.0
STOP_GRACE_S = 15.0


def say(message: str) -> None:
    print(f"supervise: {message}", flush=True)


@dataclass
class Program:
    name: str
    command: str
    log_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = BACKOFF_FIRST_S
    restart_at: float | None = None
    last_exit: int | None = None
    history: list[float] = field(default_factory=list)

    def start(self) -> None:
        log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115  # one per child, closed below
        try:
            # exec: the program itself is the group leader, signals reach it directly.
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {self.command}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        self.started_at = time.monotonic()
        self.restart_at = None
        say(f"{self.name} started (pid {self.proc.pid})")

    def check(self, now: float) -> bool:
        """Notice an exit and schedule the restart; True when something changed."""
        if self.proc is None or self.proc.poll() is None:
            return False
        code = self.proc.returncode
        up = now - self.started_at
        self.last_exit, self.proc = code, None
        if up >= STABLE_AFTER_S:
            self.backoff_s = BACKOFF_FIRST_S
        delay = self.backoff_s
        self.backoff_s = min(BACKOFF_MAX_S, self.backoff_s * 2)
        self.restart_at = now + delay
        how = f"signal {-code}" if code < 0 else f"status {code}"
        say(f"{self.name} exited ({how}) after {up:.1f} s; restarting in {delay:.0f} s")
        return True

    def signal_group(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def status(self) -> dict[str, object]:
        return {
            "pid": self.proc.pid if self.proc is not None else None,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "command": self.command,
        }


def parse_procfile(text: str) -> list[tuple[str, str]]:
    """``name: command`` lines; blank lines and ``#`` comments are skipped."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().replace("-", "").replace("_", "").isalnum() or not command.strip():
            raise SystemExit(f"supervise: line {number}: expected 'name: command', got {raw!r}")
        out.append((name.strip(), command.strip()))
    return out


class Supervisor:
    def __init__(self, programs: list[tuple[str, str]], log_dir: Path, status: Path | None) -> None:
        names = [n for n, _ in programs]
        if len(set(names)) != len(names):
            raise SystemExit(f"supervise: a program name appears twice: {names}")
        log_dir.mkdir(parents=True, exist_ok=True)
        self.programs = [Program(n, c, log_dir) for n, c in programs]
        self.status_path = status
        self.stopping = False

    def write_status(self) -> None:
        if self.status_path is None:
            return
        tmp = self.status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({p.name: p.status() for p in self.programs}, indent=1))
        tmp.replace(self.status_path)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for p in self.programs:
            p.start()
        self.write_status()
        while not self.stopping:
            now = time.monotonic()
            changed = False
            for p in self.programs:
                changed |= p.check(now)
                if p.restart_at is not None and now >= p.restart_at:
                    p.restarts += 1
                    p.start()
                    changed = True
            if changed:
                self.write_status()
            time.sleep(0.2)
        return self.shutdown()

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def shutdown(self) -> int:
        say("stopping " + ", ".join(p.name for p in self.programs if p.proc is not None))
        for p in self.programs:
            p.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for p in self.programs:
            if p.proc is None:
                continue
            try:
                p.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{p.name} did not stop within {STOP_GRACE_S:.0f} s; killing it")
            p.signal_group(signal.SIGKILL)  # and whatever it left in its group
            p.proc.wait()
        if self.status_path is not None:
            self.status_path.unlink(missing_ok=True)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("procfile", nargs="?", type=Path, help="name: command lines")
    parser.add_argument("-p", "--program", action="append", default=[], help="one more 'name: command'")
    parser.add_argument("--log-dir", type=Path, default=Path("var/log"))
    parser.add_argument("--status", type=Path, help="JSON file of each program's pid and restarts")
    args = parser.parse_args(argv)
    programs = parse_procfile(args.procfile.read_text()) if args.procfile else []
    programs += parse_procfile("\n".join(args.program))
    if not programs:
        parser.error("no programs to supervise")
    return Supervisor(programs, args.log_dir, args.status).run()


if __name__ == "__main__":
    sys.exit(main())

"""scripts/supervise.py, the supervisor of `make run`, with real processes: a child killed
with SIGKILL comes back and the others keep running; a crash-looping child backs off; a stop
ends every child. And the Procfile it runs names real modules."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.procs import alive, kill9, wait_for
from tests.test_compose import _module_exists, _referenced_modules

REPO = Path(__file__).resolve().parents[1]
SLEEPER = f"{sys.executable} -c 'import time; time.sleep(1000)'"


class Running:
    def __init__(self, tmp: Path, programs: list[str]) -> None:
        self.status = tmp / "status.json"
        args = [sys.executable, str(REPO / "scripts" / "supervise.py"), "--log-dir", str(tmp / "log")]
        args += ["--status", str(self.status)]
        for p in programs:
            args += ["-p", p]
        self.out = tmp / "supervise.out"
        self.proc = subprocess.Popen(args, stdout=self.out.open("wb"), stderr=subprocess.STDOUT)

    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status.read_text()))
        except (OSError, ValueError):
            return {}

    def pid(self, name: str) -> int | None:
        return self.state().get(name, {}).get("pid")


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Any]:
    started: list[Running] = []

    def start(programs: list[str]) -> Running:
        r = Running(tmp_path, programs)
        started.append(r)
        wait_for(
            lambda: all(v["pid"] for v in r.state().values()) and len(r.state()) == len(programs), 20, "start"
        )
        return r

    yield start
    for r in started:
        if r.proc.poll() is None:
            r.proc.send_signal(signal.SIGTERM)
            r.proc.wait(timeout=30)


def test_a_killed_child_comes_back_and_the_others_stay(supervised: Any) -> None:
    r = supervised([f"web: {SLEEPER}", f"cpu: {SLEEPER}", f"beat: {SLEEPER}"])
    before = {name: r.pid(name) for name in ("web", "cpu", "beat")}
    kill9(before["cpu"])
    new = wait_for(lambda: (p := r.pid("cpu")) not in (None, before["cpu"]) and p, 10, "cpu restarted")
    assert alive(new) and r.state()["cpu"]["restarts"] == 1 and r.state()["cpu"]["last_exit"] == -9
    assert r.pid("web") == before["web"] and alive(before["web"])
    assert r.pid("beat") == before["beat"] and alive(before["beat"])
    assert r.proc.poll() is None
    assert "cpu exited (signal 9)" in r.out.read_text()


def test_a_crash_looping_child_backs_off(supervised: Any) -> None:
    r = supervised([f"web: {SLEEPER}", "bad: sh -c 'exit 3'"])
    time.sleep(6.5)
    # Back-off 1 + 2 s, then 4 s: in 6.5 s at most three restarts, not dozens.
    restarts = r.state()["bad"]["restarts"]
    assert 2 <= restarts <= 3, restarts
    assert r.state()["bad"]["last_exit"] == 3
    assert alive(r.pid("web"))


def test_stopping_the_supervisor_stops_every_child_and_their_children(
    supervised: Any, tmp_path: Path
) -> None:
    # A child with a grandchild of its own, as a prefork worker has its pool.
    r = supervised([f"cpu: sh -c '{SLEEPER} & wait'", f"web: {SLEEPER}"])
    pids = [r.pid("cpu"), r.pid("web")]
    r.proc.send_signal(signal.SIGTERM)
    assert r.proc.wait(timeout=30) == 0
    from tests.procs import children

    assert not any(alive(p) for p in pids if p)
    assert not any(children(p) for p in pids if p)


def test_the_procfile_runs_the_whole_stack_from_modules_that_exist() -> None:
    from importlib import util

    spec = util.spec_from_file_location("supervise", REPO / "scripts" / "supervise.py")
    assert spec and spec.loader
    mod = util.module_from_spec(spec)
    sys.modules["supervise"] = mod  # dataclasses look their module up while it loads
    spec.loader.exec_module(mod)
    programs = dict(mod.parse_procfile((REPO / "Procfile").read_text()))
    assert set(programs) == {"web", "cpu", "events", "gpu", "beat"}
    for name, command in programs.items():
        for module in _referenced_modules(command.split()):
            assert _module_exists(module), f"{name}: {module}"
    for worker in ("cpu", "events", "gpu"):
        assert "--without-gossip" in programs[worker] and "--without-mingle" in programs[worker]
    assert " beat " in programs["beat"]
    assert "-Q events " in programs["events"]  # events never wait behind cpu jobs

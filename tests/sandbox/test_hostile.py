"""Hostile programs: each is judged correctly, in native-case mode and against an
assert-style test, and leaves the host unharmed (see the ``host`` fixture)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import pytest

from sandbox import JudgeRequest, JudgeResult, SandboxPool

from .conftest import ENV_SECRET, REPO, HostWatch, both_modes, stray_processes


def verdicts(results: dict[str, JudgeResult]) -> set[str]:
    return {str(r.verdict) for r in results.values()}


def test_an_infinite_loop_times_out(pool: SandboxPool, host: HostWatch) -> None:
    results = both_modes(pool, "def f(x):\n    while True:\n        pass\n", timeout_s=1.0)
    assert verdicts(results) == {"timeout"}
    assert all(r.duration_s < 2.5 for r in results.values())


def test_a_40_gib_allocation_crashes_without_harming_the_host(pool: SandboxPool, host: HostWatch) -> None:
    results = both_modes(pool, "def f(x):\n    b = bytearray(40 << 30)\n    return x + 1\n")
    assert verdicts(results) == {"crashed"}
    assert "MemoryError" in (results["cases"].error or "")


def test_a_growing_allocation_crashes_at_the_memory_limit(pool: SandboxPool, host: HostWatch) -> None:
    program = "def f(x):\n    hog = []\n    while True:\n        hog.append(' ' * 10**6)\n"
    assert verdicts(both_modes(pool, program, memory_mb=192)) == {"crashed"}


def test_a_fork_bomb_is_contained_and_fully_killed(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import os\n"
        "def f(x):\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n"
    )
    results = both_modes(pool, program, timeout_s=1.0)
    assert verdicts(results) == {"timeout"}
    assert stray_processes(pool) == []


def test_an_output_flood_is_cut_and_trimmed(pool: SandboxPool, host: HostWatch) -> None:
    results = both_modes(pool, "def f(x):\n    while True:\n        print('spam' * 250)\n", timeout_s=1.0)
    assert verdicts(results) == {"timeout"}
    for result in results.values():
        assert 0 < len(result.stdout.encode()) <= 4096 + 100
        assert "bytes trimmed" in result.stdout


def test_host_secrets_are_out_of_reach(pool: SandboxPool, host: HostWatch) -> None:
    secret = f"secret-{uuid.uuid4()}"
    planted = [
        Path("/root") / f"atomlab-sandbox-{uuid.uuid4().hex}",
        REPO / "var" / f"atomlab-sandbox-{uuid.uuid4().hex}",
    ]
    (REPO / "var").mkdir(exist_ok=True)
    try:
        for path in planted:
            path.write_text(secret)
        for target in ["/etc/shadow", *map(str, planted)]:
            program = f"def f(x):\n    return open({target!r}).read()\n"
            results = both_modes(pool, program)
            assert verdicts(results) == {"error"}, target
            dumped = json.dumps([r.to_dict() for r in results.values()])
            assert secret not in dumped and "root:" not in dumped
    finally:
        for path in planted:
            path.unlink(missing_ok=True)


def test_the_callers_environment_never_reaches_a_program(pool: SandboxPool, host: HostWatch) -> None:
    result = pool.judge(
        JudgeRequest(
            program="import os\ndef f():\n    return dict(os.environ)\n",
            entry_point="f",
            cases=[{"args": []}],
        )
    )
    assert result.passed
    assert ENV_SECRET not in json.dumps(result.to_dict())
    assert "ATOMLAB_SANDBOX_TEST_SECRET" not in result.cases[0].got


def test_writing_to_tmp_stays_in_a_private_tmpfs(pool: SandboxPool, host: HostWatch) -> None:
    name = f"pwned-{uuid.uuid4().hex}"
    program = (
        f"def f(x):\n    with open('/tmp/{name}', 'w') as fh:\n        fh.write('x')\n    return x + 1\n"
    )
    assert verdicts(both_modes(pool, program)) == {"passed"}  # allowed, in its own /tmp
    assert not Path("/tmp", name).exists()
    # ...and the next program finds its /tmp empty again.
    result = pool.judge(
        JudgeRequest(
            program="import os\ndef f():\n    return os.listdir('/tmp')\n",
            entry_point="f",
            cases=[{"args": [], "expected": []}],
        )
    )
    assert result.passed


def test_nothing_can_be_written_outside_the_scratch_directories(pool: SandboxPool, host: HostWatch) -> None:
    name = f"pwned-{uuid.uuid4().hex}"
    targets = [
        Path("/root") / name,
        REPO / "var" / name,
        REPO / name,
        Path("/") / name,
        Path("/usr/lib") / name,
        Path(sys.base_prefix) / name,
    ]
    for target in targets:
        program = (
            f"def f(x):\n"
            f"    with open({str(target)!r}, 'w') as fh:\n"
            f"        fh.write('x')\n"
            f"    return x + 1\n"
        )
        assert verdicts(both_modes(pool, program)) == {"error"}, target
        assert not target.exists(), target
    for scratch in ("/var/tmp", "/dev/shm"):  # allowed, private, emptied afterwards
        program = f"def f(x):\n    open({scratch!r} + '/{name}', 'w').write('x')\n    return x + 1\n"
        assert verdicts(both_modes(pool, program)) == {"passed"}
        assert not Path(scratch, name).exists()


def test_connections_to_the_host_and_outside_fail(pool: SandboxPool, host: HostWatch) -> None:
    for port in {5432, 6379, *host.ports}:
        program = (
            "import socket\n"
            "def f(x):\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
            "    return x + 1\n"
        )
        assert verdicts(both_modes(pool, program)) == {"error"}, port
    outside = (
        "import socket\n"
        "def f(x):\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=1).close()\n"
        "    return x + 1\n"
    )
    results = both_modes(pool, outside)
    assert verdicts(results) == {"error"}
    assert "PermissionError" in (results["cases"].error or "")


@pytest.mark.parametrize(
    "attack",
    [
        "os.kill(os.getppid(), 9)",
        "os.kill(1, 9)",
        "os.kill(-1, 9)",
        "os.killpg(0, 9)",
    ],
)
def test_killing_the_parent_or_everything_harms_no_one_else(
    pool: SandboxPool, host: HostWatch, attack: str
) -> None:
    before = set(pool.worker_pids())
    program = (
        f"import os\n"
        f"def f(x):\n"
        f"    try:\n"
        f"        {attack}\n"
        f"    except OSError:\n"
        f"        pass\n"
        f"    return x + 1\n"
    )
    results = both_modes(pool, program)
    # Killing itself (kill -1, killpg) is a crash; failing to kill anyone else is no excuse.
    assert verdicts(results) <= {"passed", "crashed"}
    assert before <= set(pool.worker_pids()), "a worker or test process was killed"


def test_a_daemon_left_behind_is_killed(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import os, time\n"
        "def f(x):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60)\n"
        "        os._exit(0)\n"
        "    return x + 1\n"
    )
    assert verdicts(both_modes(pool, program)) == {"passed"}
    assert stray_processes(pool) == []


@pytest.mark.parametrize(
    "program",
    [
        "import sys\ndef f(x):\n    sys.exit(0)\n",
        "import os\ndef f(x):\n    os._exit(0)\n",
        "import sys\nsys.exit(0)\ndef f(x):\n    return x + 1\n",
        "import os\nos._exit(0)\ndef f(x):\n    return x + 1\n",
        "raise SystemExit(0)\n",
    ],
    ids=[
        "sys.exit in f",
        "os._exit in f",
        "sys.exit at module level",
        "os._exit at module level",
        "SystemExit before f",
    ],
)
def test_exiting_early_is_an_error_never_a_pass(pool: SandboxPool, host: HostWatch, program: str) -> None:
    results = both_modes(pool, program)
    assert verdicts(results) == {"error"}
    assert all("exit" in (r.error or "").lower() for r in results.values())


def test_an_atexit_handler_forcing_success_changes_nothing(pool: SandboxPool, host: HostWatch) -> None:
    program = "import atexit, os\natexit.register(lambda: os._exit(0))\ndef f(x):\n    return x\n"
    results = both_modes(pool, program)
    assert verdicts(results) == {"failed"}
    assert "atexit" in results["cases"].flags


def test_printing_fake_success_changes_nothing(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "print('All tests passed!')\nprint('{\"passed\": true}')\ndef f(x):\n    print('ok')\n    return x\n"
    )
    results = both_modes(pool, program)
    assert verdicts(results) == {"failed"}
    assert "All tests passed!" in results["test"].stdout


def test_replacing_assertion_error_cannot_silence_the_test(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import builtins\n"
        "class Quiet(Exception):\n"
        "    pass\n"
        "builtins.AssertionError = Quiet\n"
        "def f(x):\n"
        "    import builtins\n"
        "    builtins.AssertionError = Quiet\n"
        "    return x\n"
    )
    results = both_modes(pool, program)
    assert verdicts(results) == {"failed"}
    assert "builtins" in results["test"].flags


def test_an_object_equal_to_everything_is_rejected(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "class Liar:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = object.__hash__\n"
        "def f(x):\n"
        "    return Liar()\n"
    )
    results = both_modes(pool, program)
    assert verdicts(results) == {"error"}
    assert "non-plain" in (results["cases"].error or "")
    # A subclass of a plain type is just as custom.
    sneaky = "class Int(int):\n    def __eq__(self, o):\n        return True\ndef f(x):\n    return Int(0)\n"
    assert verdicts(both_modes(pool, sneaky)) == {"error"}


def test_walking_frames_and_the_heap_finds_no_expected_values(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import sys, gc, inspect\n"
        "MARK = 'candidate(5) ' + '== 6'\n"
        "def leaks(value):\n"
        "    if isinstance(value, (bytes, bytearray)):\n"
        "        value = bytes(value).decode('latin-1')\n"
        "    return isinstance(value, str) and MARK in value and value is not MARK\n"
        "def f(x):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        scopes = list(frame.f_locals.items()) + list(frame.f_globals.items())\n"
        "        for key, value in scopes:\n"
        "            if key in ('expected', 'check') or leaks(value):\n"
        "                raise RuntimeError(f'found {key}')\n"
        "        frame = frame.f_back\n"
        "    for info in inspect.stack():\n"
        "        if MARK in ''.join(info.code_context or []):\n"
        "            raise RuntimeError('found the test in a frame')\n"
        "    for obj in gc.get_objects():\n"
        "        if isinstance(obj, dict) and 'expected' in obj:\n"
        "            return obj['expected']\n"
        "        if leaks(obj):\n"
        "            raise RuntimeError('found the test source on the heap')\n"
        "    return x\n"
    )
    results = both_modes(pool, program)
    assert verdicts(results) == {"failed"}  # it found nothing, and returned the wrong value
    assert {"getframe", "gc", "inspect"} <= set(results["cases"].flags)


def test_the_test_process_is_invisible_and_untouchable(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import os\n"
        "def f(x):\n"
        "    mine = os.getpid()\n"
        "    pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]\n"
        "    for pid in pids:\n"
        "        try:\n"
        "            os.kill(pid, 9) if pid != mine else None\n"
        "        except OSError:\n"
        "            pass\n"
        "    return x + 1 if pids == [mine] else -len(pids)\n"
    )
    assert verdicts(both_modes(pool, program)) == {"passed"}


def test_ctypes_and_signals_are_flagged(pool: SandboxPool, host: HostWatch) -> None:
    program = (
        "import ctypes, signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ndef f(x):\n    return x + 1\n"
    )
    results = both_modes(pool, program)
    assert verdicts(results) == {"passed"}
    assert {"ctypes", "signal"} <= set(results["test"].flags)


def test_the_pool_survives_every_attack_above(pool: SandboxPool) -> None:
    assert pool.health()["workers_alive"] == 2
    assert stray_processes(pool) == []
    assert os.getpid() > 0


def test_no_test_source_is_left_in_memory_a_program_can_scan(pool: SandboxPool, host: HostWatch) -> None:
    # Every worker first judges an honest program against the test, then the scanner reads
    # every byte of its own address space (a fork of the worker) looking for that test.
    honest = "def f(x):\n    return x + 1\n"
    scanner = (
        "import re\n"
        "MARK = b'candidate(5) ' + b'== 6'\n"
        "def f(x):\n"
        "    found = 0\n"
        "    with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb') as mem:\n"
        "        for line in maps:\n"
        "            span, perms = line.split()[:2]\n"
        "            if not perms.startswith('r') or '[vvar' in line or '[vsyscall' in line:\n"
        "                continue\n"
        "            start, end = (int(v, 16) for v in span.split('-'))\n"
        "            try:\n"
        "                mem.seek(start)\n"
        "                found += mem.read(end - start).count(MARK)\n"
        "            except OSError:\n"
        "                pass\n"
        "    return x + 1 if found <= 2 else -found\n"  # the two MARK constants themselves
    )
    requests = []
    for _ in range(4):
        for program in (honest, scanner):
            requests.append(JudgeRequest(program=program, entry_point="f", test=CHECK_SRC))
    results = pool.judge_batch(requests)
    assert [str(r.verdict) for r in results] == ["passed"] * len(requests), [
        (r.verdict, r.error) for r in results
    ]


CHECK_SRC = "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6\n"


def test_nothing_survives_in_shared_memory_for_the_next_program(pool: SandboxPool, host: HostWatch) -> None:
    writer = (
        "from multiprocessing import shared_memory\n"
        "def f():\n"
        "    block = shared_memory.SharedMemory(name='atomlab_leak', create=True, size=64)\n"
        "    block.buf[:4] = b'seen'\n"
        "    return 1\n"
    )
    reader = (
        "from multiprocessing import shared_memory\n"
        "def f():\n"
        "    try:\n"
        "        block = shared_memory.SharedMemory(name='atomlab_leak')\n"
        "        return bytes(block.buf[:4]).decode()\n"
        "    except FileNotFoundError:\n"
        "        return 'empty'\n"
    )
    sysv = (
        "import ctypes\ndef f():\n    return ctypes.CDLL(None, use_errno=True).shmget(4242, 4096, 0o1666)\n"
    )
    requests = []
    for _ in range(3):
        requests += [
            JudgeRequest(program=writer, entry_point="f", cases=[{"args": []}]),
            JudgeRequest(program=reader, entry_point="f", cases=[{"args": [], "expected": "empty"}]),
        ]
    requests.append(JudgeRequest(program=sysv, entry_point="f", cases=[{"args": [], "expected": -1}]))
    results = pool.judge_batch(requests)
    assert all(r.passed for r in results), [(r.verdict, r.error, r.cases) for r in results]

"""Legitimate programs are not punished for being heavy."""

from __future__ import annotations

from sandbox import SandboxPool

from .conftest import both_modes


def test_heavy_stderr_is_fine(pool: SandboxPool) -> None:
    program = (
        "import sys, logging\n"
        "def f(x):\n"
        "    for i in range(100000):\n"
        "        print('debug line', i, file=sys.stderr)\n"
        "    logging.warning('done')\n"
        "    return x + 1\n"
    )
    results = both_modes(pool, program)
    assert {str(r.verdict) for r in results.values()} == {"passed"}
    assert "debug line 0" in results["cases"].stderr


def test_threads_are_fine(pool: SandboxPool) -> None:
    program = (
        "import threading\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def f(x):\n"
        "    with ThreadPoolExecutor(16) as ex:\n"
        "        parts = list(ex.map(lambda i: sum(range(i * 1000)), range(32)))\n"
        "    lock = threading.Lock()\n"
        "    with lock:\n"
        "        return x + 1 if len(parts) == 32 else 0\n"
    )
    assert {str(r.verdict) for r in both_modes(pool, program).values()} == {"passed"}


def test_deep_recursion_with_a_raised_limit_is_fine(pool: SandboxPool) -> None:
    program = (
        "import sys\n"
        "sys.setrecursionlimit(200000)\n"
        "def depth(n):\n"
        "    return 0 if n == 0 else 1 + depth(n - 1)\n"
        "def f(x):\n"
        "    return depth(100000) - 100000 + x + 1\n"
    )
    assert {str(r.verdict) for r in both_modes(pool, program).values()} == {"passed"}


def test_half_a_second_of_cpu_is_fine(pool: SandboxPool) -> None:
    program = (
        "import time\n"
        "def f(x):\n"
        "    start = time.process_time()\n"
        "    while time.process_time() - start < 0.5:\n"
        "        pass\n"
        "    return x + 1\n"
    )
    results = both_modes(pool, program, timeout_s=5.0)
    assert {str(r.verdict) for r in results.values()} == {"passed"}


def test_stdlib_modules_beyond_the_preloaded_ones_import(pool: SandboxPool) -> None:
    program = (
        "import fractions, decimal, statistics, hashlib, json, datetime, itertools\n"
        "def f(x):\n"
        "    return int(statistics.mean([x, x + 2])) if hashlib.sha256(b'').digest() "
        "else 0\n"
    )
    assert {str(r.verdict) for r in both_modes(pool, program).values()} == {"passed"}


def test_a_scratch_file_in_tmp_works(pool: SandboxPool) -> None:
    program = (
        "import tempfile, os\n"
        "def f(x):\n"
        "    with tempfile.NamedTemporaryFile('w+', delete=False) as fh:\n"
        "        fh.write(str(x + 1))\n"
        "    with open(fh.name) as back:\n"
        "        return int(back.read())\n"
    )
    assert {str(r.verdict) for r in both_modes(pool, program).values()} == {"passed"}


def test_multiprocessing_and_subprocesses_work(pool: SandboxPool) -> None:
    program = (
        "import multiprocessing, subprocess, sys\n"
        "def square(v):\n"
        "    return v * v\n"
        "def f(x):\n"
        "    with multiprocessing.get_context('fork').Pool(2) as workers:\n"
        "        squares = workers.map(square, range(4))\n"
        "    out = subprocess.run([sys.executable, '-c', 'print(1)'], capture_output=True)\n"
        "    return x + int(out.stdout) if squares == [0, 1, 4, 9] else 0\n"
    )
    results = both_modes(pool, program, timeout_s=10.0)
    assert {str(r.verdict) for r in results.values()} == {"passed"}, [
        (r.error, r.stderr[-500:]) for r in results.values()
    ]

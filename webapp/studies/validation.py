"""A study checked whole before it is created, so that nothing it would run can fail later for
a reason known now: every arm's method config through the worker's typed config (an unknown
key, a negative learning rate), every arm's protocol through the evaluation's
:class:`~webapp.core.protocol.Protocol` and the worker's ``GenerateConfig`` (k <= n
included), every source of every mixture and suite through the problem-source registry.

Each problem is one line that names where it is in the template (``arms.rl.hyper.
learning_rate: must be > 0, got -0.1``); the new-study page and ``run_study`` print them as
they are. The study's composite pools are checked when the template is parsed
(:func:`webapp.studies.design.design_parse`: a pool the template does not declare is refused).
"""

from __future__ import annotations

from training_worker.configs import ConfigError, GenerateConfig
from webapp.core.problems import source_names
from webapp.core.protocol import ProtocolError
from webapp.mixtures.problems import BENCHMARK_PREFIX
from webapp.studies.design import COMPOSITE, Arm, StudyDesign, arm_protocol
from webapp.studies.planning import missing_benchmarks
from webapp.training.services import LaunchRefused, config_resolve


def _config_errors(arm: Arm) -> list[str]:
    try:
        config_resolve(arm.method, dict(arm.hyper))
    except LaunchRefused as exc:
        return [f"arms.{arm.name}.hyper.{name}: {why}" for name, why in exc.errors.items()]
    return []


def _protocol_errors(arm: Arm) -> list[str]:
    where = f"arms.{arm.name}.protocol"
    try:
        protocol = arm_protocol(arm)
        GenerateConfig.from_dict(protocol.method_config())
    except ProtocolError as exc:
        name = "k" if exc.field == "ks" else exc.field  # the template's name for it
        return [f"{where}.{name}: {exc.message}"]
    except ConfigError as exc:
        return [f"{where}.{exc}"]
    except (TypeError, ValueError) as exc:
        return [f"{where}: {exc}"]
    return []


def _source_errors(design: StudyDesign) -> list[str]:
    known = set(source_names())
    errors = []
    for section, recipes in (("mixtures", design.mixtures), ("evals", design.evals)):
        for name, recipe in recipes.items():
            for i, item in enumerate(recipe.items):
                if item.source.startswith(COMPOSITE):
                    continue  # the study's own pools: declared (design_parse checks), made before freezing
                if item.source.startswith(BENCHMARK_PREFIX):
                    continue  # refused with the command that imports it (planning.missing_benchmarks)
                if item.source not in known:
                    available = ", ".join(sorted(n for n in known if not n.startswith(COMPOSITE)))
                    errors.append(
                        f"{section}.{name}.sources[{i}].source: unknown source {item.source!r} "
                        f"(available: {available})"
                    )
    return errors


def design_errors(design: StudyDesign) -> list[str]:
    """Every problem that would make the study fail after it was created; empty when none."""
    errors: list[str] = []
    for arm in design.arms:
        errors += _config_errors(arm)
        errors += _protocol_errors(arm)
    return errors + _source_errors(design) + missing_benchmarks(design)

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

import re
from dataclasses import dataclass, field

import yaml

from training_worker.configs import ConfigError, GenerateConfig
from webapp.core.problems import source_names
from webapp.core.protocol import ProtocolError
from webapp.mixtures.problems import BENCHMARK_PREFIX
from webapp.studies.design import (
    COMPOSITE,
    Arm,
    DesignError,
    Difference,
    StudyDesign,
    arm_protocol,
    design_parse,
    differences,
)
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


# --- a template checked as it is typed (the new-study page's editor, and study_create) -----

_PATH = re.compile(r"^([A-Za-z_][\w.\[\]-]*): ")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    """One reason a template is refused, and where it is in the text when that is known:
    ``line`` and ``column`` count from 1; ``excerpt`` is that line with a caret under the
    column (the YAML parser's own carets point nowhere once the message is one line)."""

    message: str
    line: int | None = None
    column: int | None = None
    excerpt: str = ""


@dataclass(frozen=True)
class TemplateCheck:
    """Everything the study launch would say about ``text`` at one scale: its problems, every
    setting the arms differ in (declared as a factor or not) and, when it resolves, the design."""

    problems: list[Problem] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    design: StudyDesign | None = None

    @property
    def undeclared(self) -> list[Difference]:
        """The differences no factor covers (each one refuses the study)."""
        return [d for d in self.differences if not d.declared]

    @property
    def ok(self) -> bool:
        return self.design is not None and not self.problems and not self.undeclared


def _excerpt(lines: list[str], line: int, column: int | None) -> str:
    """The line before (a parser often trips over the line after the mistake), the line, and
    a caret under the column, each numbered as in the editor."""
    shown = [f"{n:>4} | {lines[n - 1]}" for n in (line - 1, line) if 0 < n <= len(lines)]
    if column:
        shown.append(" " * (len(f"{line:>4} | ") + column - 1) + "^")
    return "\n".join(shown)


def _node_line(root: yaml.Node | None, path: str) -> tuple[int, int] | None:
    """Where the setting ``arms.rl.hyper.learning_rate`` (or ``sources[0]``) is written: the
    deepest part of the path the text holds, as (line, column) from 1."""
    node, found = root, None
    for name, index in _STEP.findall(path):
        if isinstance(node, yaml.MappingNode) and name:
            node = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            node = None
        if node is None:
            break
        found = node
    return (found.start_mark.line + 1, found.start_mark.column + 1) if found is not None else None


def _located(text: str, messages: list[str]) -> list[Problem]:
    """Each message with the line it is about, found from the path it starts with."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        root = None
    lines, problems = text.splitlines(), []
    for message in messages:
        match = _PATH.match(message)
        where = _node_line(root, match.group(1)) if match else None
        if where is None:
            problems.append(Problem(message))
        else:
            problems.append(Problem(message, where[0], where[1], _excerpt(lines, *where)))
    return problems


def template_check(text: str, *, scale: str, seeds: int | None = None) -> TemplateCheck:
    """Resolve ``text`` at ``scale`` and run every check a launch runs, without creating
    anything: what the editor shows as the researcher types, and what ``study_create`` refuses."""
    try:
        design = design_parse(text, scale=scale, seeds=seeds)
    except DesignError as exc:
        if exc.line is None:
            return TemplateCheck(_located(text, [str(exc)]))
        excerpt = _excerpt(text.splitlines(), exc.line, exc.column)
        return TemplateCheck([Problem(str(exc), exc.line, exc.column, excerpt)])
    found = differences(design.arms, design.factors)
    return TemplateCheck(_located(text, design_errors(design)), found, design)

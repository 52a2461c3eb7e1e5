"""A study's design, resolved from a template file: shared settings, named mixtures, arms
that differ only in declared factors, and the order their dependencies impose.

A template is data (``webapp/studies/templates/<name>.yaml``; a researcher copies and edits
one). ``$name`` placeholders take their values from the chosen scale (``tiny``, ``demo``,
``full``), so one template runs as a smoke test, a CPU demo or a GPU study::

    name: sft_vs_rl
    factors: [method, init]          # the only settings arms may differ in
    scales:
      tiny: {steps: 2, n: 2}
    shared:
      model: default
      train: sft_data
      hyper: {max_steps: $steps, learning_rate: 5.0e-5}
      protocol: {n: $n, k: [1], temperature: 0.8, max_new_tokens: 128}
    mixtures:
      sft_data: {seed: 0, tokenizer: whitespace, sources: [{source: atom_base, ratio: 100}]}
    evals:
      atoms: {seed: 0, tokenizer: whitespace, sources: [{source: atom_base, ratio: 100, role: eval}]}
    arms:
      sft: {method: sft, init: base}
      rl_from_sft: {method: grpo, init: "arm:sft"}

Every arm is ``shared`` overlaid with its own keys, then flattened (``hyper.max_steps``;
``train`` becomes the mixture's recipe, ``train.sources[0].ratio`` …) so that two arms are
compared on what they would really run, not on names. A difference in a key that no declared
factor covers (a factor covers itself and every key below it) refuses the study.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from webapp.evaluation.protocol import Protocol
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.recipe_file import RecipeFile, recipe_parse

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
SCALES = ("tiny", "demo", "full")
TOP_KEYS = {
    "name",
    "title",
    "description",
    "factors",
    "scales",
    "shared",
    "mixtures",
    "evals",
    "arms",
    "reference",
    "pools",
    "in_domain",
}
ARM_KEYS = {"method", "init", "train", "model", "hyper", "protocol", "seeds", "depends_on"}
METHODS = {"sft", "grpo", "rloo"}
_VAR = re.compile(r"^\$([a-z_][a-z0-9_]*)$")


class DesignError(ValueError):
    """A template or study that cannot be run as written (the message says where)."""


@dataclass(frozen=True)
class Arm:
    """One arm, resolved: what it trains, from what, on what, and what it waits for."""

    name: str
    method: str
    init: str  # "base" or "arm:<name>"
    train: str  # a mixture name of the template
    model: str
    hyper: dict[str, Any]
    protocol: dict[str, Any]
    seeds: list[int]
    flat: dict[str, Any] = field(repr=False)

    @property
    def depends_on(self) -> str | None:
        """The arm whose final checkpoint this one starts from."""
        return self.init.removeprefix("arm:") if self.init.startswith("arm:") else None


@dataclass(frozen=True)
class StudyDesign:
    """A template resolved at one scale."""

    name: str
    title: str
    description: str
    scale: str
    factors: list[str]
    mixtures: dict[str, RecipeFile]
    evals: dict[str, RecipeFile]
    arms: list[Arm]  # in an order that launches every arm after the arm it depends on
    reference: str
    #: Composite pools the study needs and how many composites each should hold (the study
    #: synthesises them first when they are missing).
    pools: dict[str, int] = field(default_factory=dict)
    #: Eval suites that hold training problems on purpose (they measure how well the arms fit
    #: their own data, the paper's over-fitting check): the contamination guard skips them.
    in_domain: list[str] = field(default_factory=list)

    def arm(self, name: str) -> Arm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KeyError(name)


@dataclass(frozen=True)
class Difference:
    """One setting whose value is not the same in every arm."""

    key: str
    values: dict[str, Any]  # arm name -> value (missing: the arm has no such setting)
    declared: bool


def template_names() -> list[str]:
    """The templates shipped with the product."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.yaml"))


def template_text(name: str) -> str:
    path = TEMPLATE_DIR / f"{name}.yaml"
    if not path.is_file() or name not in template_names():
        raise DesignError(f"no study template {name!r}; templates: {', '.join(template_names())}")
    return path.read_text(encoding="utf-8")


def _substitute(value: Any, variables: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str):
        match = _VAR.match(value)
        if match:
            if match.group(1) not in variables:
                raise DesignError(f"{where}: ${match.group(1)} is not set by the scale")
            return variables[match.group(1)]
        return value
    if isinstance(value, list):
        return [_substitute(v, variables, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _substitute(v, variables, f"{where}.{k}") for k, v in value.items()}
    return value


def _recipe(data: Any, where: str) -> RecipeFile:
    try:
        return recipe_parse(yaml.safe_dump(data))
    except RecipeError as exc:
        raise DesignError(f"{where}: {exc}") from exc


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [2]}`` → ``{"a.b": 1, "c[0]": 2}``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def covered(key: str, factors: Iterable[str]) -> bool:
    """True when a declared factor names ``key`` or a setting above it."""
    return any(key == f or key.startswith(f + ".") or key.startswith(f + "[") for f in factors)


def differences(arms: Iterable[Arm], factors: Iterable[str]) -> list[Difference]:
    """Every setting that is not the same in all arms, declared or not."""
    arms = list(arms)
    factors = list(factors)
    keys = sorted({k for a in arms for k in a.flat})
    out = []
    for key in keys:
        values = {a.name: a.flat.get(key, "(not set)") for a in arms}
        if len({repr(v) for v in values.values()}) > 1:
            out.append(Difference(key=key, values=values, declared=covered(key, factors)))
    return out


def _arm_flat(arm: dict[str, Any], mixtures: Mapping[str, RecipeFile]) -> dict[str, Any]:
    recipe = mixtures[arm["train"]]
    sources = [item.to_json() for item in recipe.items]
    train = {"seed": recipe.seed, "tokenizer": recipe.tokenizer, "sources": sources}
    return flatten({**{k: v for k, v in arm.items() if k != "depends_on"}, "train": train})


def _order(arms: dict[str, Arm]) -> list[Arm]:
    ordered: list[Arm] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise DesignError(f"arms depend on each other in a cycle: {' -> '.join([*path, name])}")
        state[name] = "visiting"
        dep = arms[name].depends_on
        if dep is not None:
            visit(dep, [*path, name])
        state[name] = "done"
        ordered.append(arms[name])

    for name in arms:
        visit(name, [])
    return ordered


def design_parse(text: str, *, scale: str, seeds: int | None = None) -> StudyDesign:
    """Resolve a template at ``scale``; :class:`DesignError` says what is wrong and where.
    ``seeds`` overrides how many seeds every arm runs (seeds 0 … seeds-1)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DesignError(f"the template is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DesignError(
            "a study template is a mapping (name, factors, scales, shared, mixtures, evals, arms)"
        )
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise DesignError(f"unknown key(s) {', '.join(unknown)}")
    scales = data.get("scales") or {}
    if scale not in scales:
        raise DesignError(f"scale {scale!r} is not defined; this template has {', '.join(scales) or 'none'}")
    variables = dict(scales[scale])
    data = _substitute({k: v for k, v in data.items() if k != "scales"}, variables, "template")

    factors = [str(f) for f in data.get("factors") or []]
    if not factors:
        raise DesignError("factors: declare what the arms may differ in (e.g. [method, init])")
    mixtures = {n: _recipe(r, f"mixtures.{n}") for n, r in (data.get("mixtures") or {}).items()}
    raw_evals = data.get("evals") or {}
    evals = {
        n: _recipe(_suite_recipe(r, f"evals.{n}", scales), f"evals.{n}")
        for n, r in raw_evals.items()
        if _suite_at_scale(r, scale)
    }
    if not evals:
        raise DesignError("evals: a study needs at least one eval suite")
    shared = data.get("shared") or {}
    raw_arms = data.get("arms") or {}
    if len(raw_arms) < 2:
        raise DesignError("arms: a study compares at least two arms")

    arms: dict[str, Arm] = {}
    for name, own in raw_arms.items():
        own = own or {}
        bad = sorted(set(own) - ARM_KEYS)
        if bad:
            raise DesignError(f"arms.{name}: unknown key(s) {', '.join(bad)}")
        merged: dict[str, Any] = {**shared, **own}
        for key in ("hyper", "protocol"):
            merged[key] = {**(shared.get(key) or {}), **(own.get(key) or {})}
        if seeds is not None:
            merged["seeds"] = list(range(seeds))
        merged.setdefault("seeds", [0])
        if isinstance(merged["seeds"], int):
            merged["seeds"] = list(range(merged["seeds"]))
        merged.setdefault("model", "default")
        merged.setdefault("init", "base")
        if merged.get("method") not in METHODS:
            raise DesignError(
                f"arms.{name}.method must be one of {sorted(METHODS)}, not {merged.get('method')!r}"
            )
        if merged.get("train") not in mixtures:
            raise DesignError(f"arms.{name}.train names no mixture of the template: {merged.get('train')!r}")
        init = str(merged["init"])
        if init != "base" and not (init.startswith("arm:") and init[4:] in raw_arms):
            raise DesignError(f"arms.{name}.init must be 'base' or 'arm:<another arm>', not {init!r}")
        if init == f"arm:{name}":
            raise DesignError(f"arms.{name}.init cannot start from the arm itself")
        if not merged["protocol"].get("n") or not merged["protocol"].get("k"):
            raise DesignError(f"arms.{name}.protocol needs n and k")
        arms[name] = Arm(
            name=str(name),
            method=merged["method"],
            init=init,
            train=merged["train"],
            model=str(merged["model"]),
            hyper=dict(merged["hyper"]),
            protocol=dict(merged["protocol"]),
            seeds=[int(s) for s in merged["seeds"]],
            flat=_arm_flat(merged, mixtures),
        )
    reference = str(data.get("reference") or next(iter(arms)))
    if reference not in arms:
        raise DesignError(f"reference names no arm: {reference!r}")
    return StudyDesign(
        name=str(data.get("name") or "study"),
        title=str(data.get("title") or data.get("name") or "Study"),
        description=str(data.get("description") or ""),
        scale=scale,
        factors=factors,
        mixtures=mixtures,
        evals=evals,
        arms=_order(arms),
        reference=reference,
        pools={str(k): int(v) for k, v in (data.get("pools") or {}).items()},
        in_domain=[n for n in _in_domain(data.get("in_domain"), raw_evals) if n in evals],
    )


def _in_domain(value: Any, evals: Mapping[str, Any]) -> list[str]:
    names = [str(v) for v in value or []]
    unknown = [n for n in names if n not in evals]
    if unknown:
        raise DesignError(f"in_domain names no eval suite: {', '.join(unknown)}")
    return names


def _suite_at_scale(raw: Any, scale: str) -> bool:
    """An eval suite may name the scales it is evaluated at (``scales: [full]``): an
    external benchmark that would dominate a CPU demo's time is declared once and added only
    where it fits. Without ``scales`` a suite is evaluated at every scale."""
    return not isinstance(raw, dict) or "scales" not in raw or scale in (raw["scales"] or [])


def _suite_recipe(raw: Any, where: str, scales: Mapping[str, Any]) -> Any:
    """The suite's recipe without its ``scales`` (checked against the template's scales)."""
    if not isinstance(raw, dict) or "scales" not in raw:
        return raw
    named = raw["scales"]
    if not isinstance(named, list) or not all(str(s) in scales for s in named):
        raise DesignError(f"{where}.scales must list scales of this template ({', '.join(scales)})")
    return {k: v for k, v in raw.items() if k != "scales"}


def arm_protocol(arm: Arm) -> Protocol:
    """The arm's evaluation protocol as the evaluation app locks it (a template writes
    ``k: [1, 5]``; the protocol calls it ``ks``). :class:`ProtocolError` when it is invalid."""
    p = dict(arm.protocol)
    ks = p.pop("k", p.pop("ks", [1]))
    return Protocol.from_dict({**p, "ks": [int(k) for k in ks]})


def undeclared(design: StudyDesign) -> list[Difference]:
    """The differences between arms that no declared factor covers: a study with any is
    refused (its arms would differ in more than the study says)."""
    return [d for d in differences(design.arms, design.factors) if not d.declared]

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

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from webapp.core.protocol import Protocol
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.recipe_file import RecipeFile, recipe_parse
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.pipeline.params import parse_depth

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
    "synthesis",
}
SYNTHESIS_KEYS = {"seed", "depth", "disjoint_pairs"}
COMPOSITE = "composite:"
ARM_KEYS = {"method", "init", "train", "model", "hyper", "protocol", "seeds", "depends_on"}
METHODS = {"sft", "grpo", "rloo"}
_VAR = re.compile(r"^\$([a-z_][a-z0-9_]*)$")


class DesignError(ValueError):
    """A template or study that cannot be run as written (the message says where; ``line``
    and ``column``, counted from 1, when the YAML itself is broken)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


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
class PoolPlan:
    """The composite pools a study declares (``pools`` and ``synthesis`` in the template) and
    the names they are stored under.

    Pool names are global (``composite:A``), so a study's pools live in a namespace of their
    own, ``s<8 hex>_<pool>``, where the hex digits are a digest of everything that decides
    their content: the pools' names and sizes, the seed, the depth range and the disjointness
    option. Two studies that declare the same pools share the names (and may share the
    pools); a study never reads a pool of another size or seed, nor the global ``A``."""

    sizes: dict[str, int]  # the template's pool name -> composites it must hold
    seed: int = 0
    depth: tuple[int, int] = (2, 3)
    disjoint_pairs: bool = False

    @property
    def namespace(self) -> str:
        spec = {
            "pools": list(self.sizes.items()),
            "seed": self.seed,
            "depth": list(self.depth),
            "disjoint_pairs": self.disjoint_pairs,
        }
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
        return f"s{digest[:8]}"

    def stored(self, pool: str) -> str:
        """The stored name of the template's pool ``pool``."""
        return f"{self.namespace}_{pool}"

    @property
    def stored_sizes(self) -> dict[str, int]:
        """Stored pool name -> size, in the template's order (the synthesis run's ``pools``)."""
        return {self.stored(p): n for p, n in self.sizes.items()}

    def matches(self, params: Mapping[str, Any]) -> bool:
        """True when a synthesis run's ``params`` asked for exactly these pools."""
        return (
            dict(params.get("pools") or {}) == self.stored_sizes
            and int(params.get("seed", -1)) == self.seed
            and tuple(params.get("depth") or ()) == self.depth
            and bool(params.get("disjoint_pairs")) == self.disjoint_pairs
        )


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
    #: The composite pools the study needs, exactly as declared (the study synthesises them
    #: first, or reuses a stored set made with exactly these settings); None: it needs none.
    pools: PoolPlan | None = None
    #: Eval suites that hold training problems on purpose (they measure how well the arms fit
    #: their own data, the paper's over-fitting check): the contamination guard skips them.
    in_domain: list[str] = field(default_factory=list)

    @property
    def pool_sizes(self) -> dict[str, int]:
        """Stored pool name (as the recipes name it) -> declared size; empty without pools."""
        return self.pools.stored_sizes if self.pools is not None else {}

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


#: Composite.pool holds 32 characters; the namespace takes 10 of them.
MAX_POOL_NAME = 22


def _pool_sizes(pools: Any) -> dict[str, int]:
    if not isinstance(pools, dict):
        raise DesignError("pools: a mapping of pool name to size, e.g. {A: 20, B: 8}")
    sizes: dict[str, int] = {}
    for name, n in pools.items():
        name = str(name)
        if not name.replace("_", "").isalnum() or len(name) > MAX_POOL_NAME:
            raise DesignError(
                f"pools.{name}: a pool name is up to {MAX_POOL_NAME} letters, digits or underscores"
            )
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise DesignError(f"pools.{name}: a size is a whole number of composites, at least 1; got {n!r}")
        sizes[name] = n
    return sizes


def _depth(value: Any) -> tuple[int, int]:
    if isinstance(value, list) and len(value) == 2:
        return int(value[0]), int(value[1])
    try:
        return parse_depth(str(value))
    except ValueError as exc:
        raise DesignError(f"synthesis.depth: {exc}") from None


def _pool_plan(pools: Any, synthesis: Any) -> PoolPlan | None:
    """The declared pools and how to synthesise them (``synthesis``: seed, depth,
    disjoint_pairs; defaults those of a plain run), checked as the synthesis run will be."""
    if not pools:
        if synthesis:
            raise DesignError("synthesis: settings for composite pools, but the template declares no pools")
        return None
    settings = synthesis or {}
    if not isinstance(settings, dict):
        raise DesignError("synthesis: a mapping with seed, depth and disjoint_pairs")
    unknown = sorted(set(map(str, settings)) - SYNTHESIS_KEYS)
    if unknown:
        raise DesignError(
            f"synthesis: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(SYNTHESIS_KEYS))}"
        )
    plan = PoolPlan(
        sizes=_pool_sizes(pools),
        seed=int(settings.get("seed", 0)),
        depth=_depth(settings.get("depth", "2-3")),
        disjoint_pairs=bool(settings.get("disjoint_pairs", False)),
    )
    try:
        SynthesisConfig(
            pools=plan.stored_sizes, seed=plan.seed, depth=plan.depth, disjoint_pairs=plan.disjoint_pairs
        )
    except ValueError as exc:
        raise DesignError(f"synthesis: {exc}") from None
    return plan


def _own_pools(data: Any, plan: PoolPlan | None, where: str) -> Any:
    """A recipe's ``composite:<pool>`` sources renamed to the study's stored pools; a pool the
    template does not declare is refused (a study never reads whatever happens to exist)."""
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        return data
    sources = []
    for i, item in enumerate(data["sources"]):
        source = str(item.get("source", "")) if isinstance(item, dict) else ""
        if source.startswith(COMPOSITE):
            pool = source.removeprefix(COMPOSITE)
            if plan is None or pool not in plan.sizes:
                declared = ", ".join(plan.sizes) if plan else "none"
                raise DesignError(
                    f"{where}.sources[{i}].source: composite pool {pool!r} is not declared under pools "
                    f"(declared: {declared}); a study uses only the pools it declares"
                )
            item = {**item, "source": COMPOSITE + plan.stored(pool)}
        sources.append(item)
    return {**data, "sources": sources}


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
    data, scales = _at_scale(_template_data(text), scale)
    factors = _factors(data)
    pools = _pool_plan(data.get("pools"), data.get("synthesis"))
    mixtures = {
        n: _recipe(_own_pools(r, pools, f"mixtures.{n}"), f"mixtures.{n}")
        for n, r in (data.get("mixtures") or {}).items()
    }
    raw_evals = data.get("evals") or {}
    evals = _suites(raw_evals, scale, scales, pools)
    arms = _arms(data, mixtures, seeds)
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
        pools=pools,
        in_domain=[n for n in _in_domain(data.get("in_domain"), raw_evals) if n in evals],
    )


def _template_data(text: str) -> dict[str, Any]:
    """The template's YAML as a mapping of known top-level keys."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # One line that names the place (the parser's own snippet and carets are multi-line;
        # the page and run_study show the offending line with a caret from line and column).
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark is None:
            raise DesignError(f"the template is not valid YAML: {exc}") from exc
        why = "; ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p)
        raise DesignError(
            f"the template is not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {why}",
            line=mark.line + 1,
            column=mark.column + 1,
        ) from exc
    if not isinstance(data, dict):
        raise DesignError(
            "a study template is a mapping (name, factors, scales, shared, mixtures, evals, arms)"
        )
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise DesignError(f"unknown key(s) {', '.join(unknown)}")
    return data


def _at_scale(data: dict[str, Any], scale: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template without its scales, ``$name`` values filled from ``scale``; and the
    template's scales."""
    scales = data.get("scales") or {}
    if scale not in scales:
        raise DesignError(f"scale {scale!r} is not defined; this template has {', '.join(scales) or 'none'}")
    variables = dict(scales[scale])
    return _substitute({k: v for k, v in data.items() if k != "scales"}, variables, "template"), scales


def _factors(data: Mapping[str, Any]) -> list[str]:
    factors = [str(f) for f in data.get("factors") or []]
    if not factors:
        raise DesignError("factors: declare what the arms may differ in (e.g. [method, init])")
    return factors


def _suites(
    raw_evals: Mapping[str, Any], scale: str, scales: Mapping[str, Any], pools: PoolPlan | None
) -> dict[str, RecipeFile]:
    """The eval suites evaluated at ``scale``, their pools the study's own; at least one."""
    evals = {
        n: _recipe(_own_pools(_suite_recipe(r, f"evals.{n}", scales), pools, f"evals.{n}"), f"evals.{n}")
        for n, r in raw_evals.items()
        if _suite_at_scale(r, scale)
    }
    if not evals:
        raise DesignError("evals: a study needs at least one eval suite")
    return evals


def _arms(data: Mapping[str, Any], mixtures: Mapping[str, RecipeFile], seeds: int | None) -> dict[str, Arm]:
    """Every arm resolved (``shared`` overlaid with the arm), in the template's order."""
    shared = data.get("shared") or {}
    raw_arms = data.get("arms") or {}
    if len(raw_arms) < 2:
        raise DesignError("arms: a study compares at least two arms")
    arms: dict[str, Arm] = {}
    for name, own in raw_arms.items():
        merged = _arm_settings(name, own or {}, shared, seeds)
        _check_arm(name, merged, mixtures, raw_arms)
        arms[name] = Arm(
            name=str(name),
            method=merged["method"],
            init=str(merged["init"]),
            train=merged["train"],
            model=str(merged["model"]),
            hyper=dict(merged["hyper"]),
            protocol=dict(merged["protocol"]),
            seeds=[int(s) for s in merged["seeds"]],
            flat=_arm_flat(merged, mixtures),
        )
    return arms


def _arm_settings(
    name: str, own: Mapping[str, Any], shared: Mapping[str, Any], seeds: int | None
) -> dict[str, Any]:
    """``shared`` overlaid with the arm's own keys (``hyper`` and ``protocol`` key by key),
    with the defaults filled in and ``seeds`` as a list."""
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
    return merged


def _check_arm(
    name: str, merged: Mapping[str, Any], mixtures: Mapping[str, RecipeFile], raw_arms: Mapping[str, Any]
) -> None:
    """Refuse an arm whose method, mixture, starting point or protocol cannot be run."""
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
    ks = ks if isinstance(ks, list) else [ks]
    return Protocol.from_dict({**p, "ks": [int(k) for k in ks]})


def undeclared(design: StudyDesign) -> list[Difference]:
    """The differences between arms that no declared factor covers: a study with any is
    refused (its arms would differ in more than the study says)."""
    return [d for d in differences(design.arms, design.factors) if not d.declared]

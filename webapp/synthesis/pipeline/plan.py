"""Composition by types: what a composite is made of (a :class:`Plan`) and how one is drawn
at random from the atoms.

Three shapes, all readable as ordinary code:

- ``chain``: ``f(x) = c(b(a(x)))``; each atom's first parameter takes the previous output.
- ``map``: a chain in which one step applies an atom to every element of a list
  (``[b(item) for item in a(x)]``).
- ``branch``: a predicate atom on the input chooses between two chains that start from the
  same input and return the same type (``c(x) if p(x) else d(x)``).

An atom's other parameters become parameters of the composite itself. ``depth`` is the
number of atom calls written in the composite (for ``branch``: the predicate plus both
arms), so it is also the length of :attr:`Plan.atoms`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from webapp.atoms.library.spec import ALLOWED_TYPES, Param
from webapp.synthesis.pipeline.atoms import PipelineAtom

SHAPES: tuple[str, ...] = ("chain", "map", "branch")

#: A rule on adjacent atoms (``prev`` feeds ``nxt``): pools use it to keep ordered pairs apart.
PairRule = Callable[[str, str], bool]


def list_of(type_: str) -> str:
    """``list[T]`` for a type ``T``."""
    return f"list[{type_}]"


def element_type(type_: str) -> str | None:
    """``T`` for ``list[T]``, else ``None``."""
    if type_.startswith("list[") and type_.endswith("]"):
        return type_[5:-1]
    return None


def accepts(param_type: str, value_type: str) -> bool:
    """Whether a parameter of ``param_type`` takes a value of ``value_type``. The allowed
    types are canonical strings, so this is equality, plus an int where a float is wanted."""
    return param_type == value_type or (param_type == "float" and value_type == "int")


@dataclass(frozen=True)
class Step:
    """One atom call: its first argument is the flowing value (or, with ``each``, every
    element of it); its other arguments are the composite parameters named in ``extra``."""

    atom: str
    extra: tuple[str, ...] = ()
    each: bool = False


@dataclass(frozen=True)
class Plan:
    """The structure of a composite; code, prompts and cases are derived from it."""

    shape: str
    #: The composite's parameters: the input first, then one per extra atom parameter.
    params: tuple[Param, ...]
    returns: str
    #: ``chain``/``map``: the steps in order. ``branch``: the arm taken when the predicate holds.
    steps: tuple[Step, ...]
    predicate: Step | None = None
    #: ``branch`` only: the arm taken when the predicate does not hold.
    otherwise: tuple[Step, ...] = ()

    @property
    def atoms(self) -> list[str]:
        """The atom slugs in the order they appear in the code."""
        head = [self.predicate.atom] if self.predicate else []
        return head + [s.atom for s in self.steps] + [s.atom for s in self.otherwise]

    @property
    def depth(self) -> int:
        """The number of atom calls."""
        return len(self.atoms)

    @property
    def key(self) -> str:
        """Identifies the chain: the same key is the same composite."""

        def arm(steps: Sequence[Step]) -> str:
            return ">".join(f"[{s.atom}]" if s.each else s.atom for s in steps)

        if self.shape == "branch" and self.predicate:
            return f"branch:{self.predicate.atom}?{arm(self.steps)}:{arm(self.otherwise)}"
        return f"{self.shape}:{arm(self.steps)}"

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Ordered pairs of adjacent atoms (which atom's output feeds which atom)."""
        out = [(a.atom, b.atom) for a, b in zip(self.steps, self.steps[1:], strict=False)]
        out += [(a.atom, b.atom) for a, b in zip(self.otherwise, self.otherwise[1:], strict=False)]
        if self.predicate:
            # The predicate decides which arm runs: it is adjacent to the first atom of each.
            out += [(self.predicate.atom, arm[0].atom) for arm in (self.steps, self.otherwise) if arm]
        return out


class NoTypeMatch(Exception):
    """A random walk reached a type that no allowed atom accepts."""


class TooManyParams(Exception):
    """The composite would need more parameters than the configured maximum."""


class _Builder:
    """Collects the composite's parameters while a plan is drawn."""

    def __init__(self, max_params: int) -> None:
        self.params: list[Param] = []
        self.max_params = max_params

    def add(self, name: str, type_: str) -> str:
        taken = {p.name for p in self.params}
        unique, n = name, 2
        while unique in taken or unique.startswith("step") or unique in ("item", "result"):
            unique, n = f"{name}{n}", n + 1
        self.params.append(Param(unique, type_))
        if len(self.params) > self.max_params:
            raise TooManyParams()
        return unique

    def step(self, atom: PipelineAtom, *, each: bool = False) -> Step:
        return Step(atom.slug, tuple(self.add(p.name, p.type) for p in atom.params[1:]), each)


class Composer:
    """Draws plans at random from ``atoms`` (indexed by the type of their first parameter).

    ``pair_ok`` restricts which atom may feed which; pools with disjoint ordered pairs use
    it to draw only pairs they own, so no rejection loop is needed.
    """

    def __init__(self, atoms: Sequence[PipelineAtom], *, max_params: int = 3) -> None:
        self.atoms = list(atoms)
        self.by_slug = {a.slug: a for a in self.atoms}
        self.max_params = max_params
        self.takes: dict[str, list[PipelineAtom]] = {}
        for atom in self.atoms:
            self.takes.setdefault(atom.first_type, []).append(atom)
        self.predicates = [a for a in self.atoms if a.returns == "bool"]
        self.mappable = [
            a
            for a in self.atoms
            if list_of(a.first_type) in ALLOWED_TYPES and list_of(a.returns) in ALLOWED_TYPES
        ]

    def _next(
        self, rng: random.Random, value_type: str, prev: str | None, pair_ok: PairRule | None
    ) -> PipelineAtom:
        options = [
            a for a in self._taking(value_type) if prev is None or pair_ok is None or pair_ok(prev, a.slug)
        ]
        if not options:
            raise NoTypeMatch(value_type)
        return rng.choice(options)

    def _taking(self, value_type: str) -> list[PipelineAtom]:
        found = list(self.takes.get(value_type, []))
        if value_type == "int":
            found += self.takes.get("float", [])
        return found

    def draw(self, rng: random.Random, *, shape: str, depth: int, pair_ok: PairRule | None = None) -> Plan:
        """One random plan; raises :class:`NoTypeMatch` or :class:`TooManyParams` when the
        walk cannot be completed (the caller counts it and draws again)."""
        if shape == "chain":
            return self._chain(rng, depth, pair_ok)
        if shape == "map":
            return self._map(rng, depth, pair_ok)
        if shape == "branch":
            return self._branch(rng, depth, pair_ok)
        raise ValueError(f"unknown shape {shape!r}")

    def _chain(self, rng: random.Random, depth: int, pair_ok: PairRule | None) -> Plan:
        b = _Builder(self.max_params)
        first = rng.choice(self.atoms)
        b.add(first.params[0].name, first.first_type)
        steps = [b.step(first)]
        value, prev = first.returns, first.slug
        for _ in range(depth - 1):
            atom = self._next(rng, value, prev, pair_ok)
            steps.append(b.step(atom))
            value, prev = atom.returns, atom.slug
        return Plan("chain", tuple(b.params), value, tuple(steps))

    def _map(self, rng: random.Random, depth: int, pair_ok: PairRule | None) -> Plan:
        b = _Builder(self.max_params)
        at = rng.randrange(depth)  # which step is applied to each element
        steps: list[Step] = []
        value: str | None = None
        prev: str | None = None
        for i in range(depth):
            if i == at:
                if value is None:
                    atom = rng.choice(self.mappable)
                    b.add(_plural(atom.params[0].name), list_of(atom.first_type))
                else:
                    item = element_type(value)
                    options = [
                        a
                        for a in self.mappable
                        if item is not None
                        and accepts(a.first_type, item)
                        and (prev is None or pair_ok is None or pair_ok(prev, a.slug))
                    ]
                    if not options:
                        raise NoTypeMatch(value)
                    atom = rng.choice(options)
                steps.append(b.step(atom, each=True))
                value = list_of(atom.returns)
            elif value is None:
                atom = rng.choice(self.atoms)
                b.add(atom.params[0].name, atom.first_type)
                steps.append(b.step(atom))
                value = atom.returns
            else:
                atom = self._next(rng, value, prev, pair_ok)
                steps.append(b.step(atom))
                value = atom.returns
            prev = atom.slug
        assert value is not None
        return Plan("map", tuple(b.params), value, tuple(steps))

    def _branch(self, rng: random.Random, depth: int, pair_ok: PairRule | None) -> Plan:
        if depth < 3 or not self.predicates:
            raise NoTypeMatch("branch needs a predicate and two arms (depth >= 3)")
        b = _Builder(self.max_params)
        pred = rng.choice(self.predicates)
        b.add(pred.params[0].name, pred.first_type)
        predicate = b.step(pred)
        then_len = rng.randint(1, depth - 2)
        else_len = depth - 1 - then_len
        then_steps, returns = self._arm(rng, b, pred.first_type, then_len, pred.slug, pair_ok, None)
        else_steps, _ = self._arm(rng, b, pred.first_type, else_len, pred.slug, pair_ok, returns)
        if [s.atom for s in then_steps] == [s.atom for s in else_steps]:
            raise NoTypeMatch("both arms drew the same atoms")
        return Plan("branch", tuple(b.params), returns, tuple(then_steps), predicate, tuple(else_steps))

    def _arm(
        self,
        rng: random.Random,
        b: _Builder,
        start: str,
        length: int,
        prev: str,
        pair_ok: PairRule | None,
        must_return: str | None,
    ) -> tuple[list[Step], str]:
        # The else arm must end on the then arm's type: a few walks usually find one.
        for _ in range(8):
            atoms: list[PipelineAtom] = []
            value, last = start, prev
            try:
                for _ in range(length):
                    atom = self._next(rng, value, last, pair_ok)
                    atoms.append(atom)
                    value, last = atom.returns, atom.slug
            except NoTypeMatch:
                continue
            if must_return is None or value == must_return:
                return [b.step(a) for a in atoms], value
        raise NoTypeMatch(f"no arm from {start} to {must_return}")


_PLURALS = {"s": "strings", "n": "numbers", "x": "values", "xs": "lists", "text": "texts", "word": "words"}


def _plural(name: str) -> str:
    """The name of a list parameter whose elements an atom takes as ``name``."""
    return _PLURALS.get(name) or (f"{name}_list" if name.endswith("s") else f"{name}s")


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A JSON-ready form of ``plan`` (:func:`plan_from_dict` reverses it)."""

    def step(s: Step) -> dict[str, Any]:
        return {"atom": s.atom, "extra": list(s.extra), "each": s.each}

    return {
        "shape": plan.shape,
        "params": [{"name": p.name, "type": p.type} for p in plan.params],
        "returns": plan.returns,
        "steps": [step(s) for s in plan.steps],
        "predicate": step(plan.predicate) if plan.predicate else None,
        "otherwise": [step(s) for s in plan.otherwise],
    }


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The plan stored by :func:`plan_to_dict`."""

    def step(d: dict[str, Any]) -> Step:
        return Step(d["atom"], tuple(d.get("extra", ())), bool(d.get("each", False)))

    return Plan(
        shape=data["shape"],
        params=tuple(Param(p["name"], p["type"]) for p in data["params"]),
        returns=data["returns"],
        steps=tuple(step(s) for s in data["steps"]),
        predicate=step(data["predicate"]) if data.get("predicate") else None,
        otherwise=tuple(step(s) for s in data.get("otherwise", ())),
    )

"""Test inputs for a composite: a shared part that depends only on the parameter types
(edge cases first), so that two composites with the same signature can be compared output
for output, and a specific part drawn from the atoms' own case arguments, which hit the
inputs an atom is about (a duration string for a duration parser) that random values miss.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from webapp.synthesis.pipeline.atoms import PipelineAtom
from webapp.synthesis.pipeline.plan import Plan
from webapp.synthesis.pipeline.values import random_value, values_for

Args = list[Any]


def shared_inputs(types: list[str], count: int, seed: int) -> list[Args]:
    """``count`` argument lists for parameters of ``types``: edge cases first, the same for
    every composite with these types under one seed."""
    rng = random.Random(f"{seed}:shared:{'|'.join(types)}")
    columns = []
    for j, t in enumerate(types):
        column = values_for(t, count + j, rng)
        # Rotate the extra parameters' edges so that (empty, 0) is not the only pairing.
        columns.append(column[j:] + column[:j])
    return [[col[i] for col in columns] for i in range(count)]


def _origins(plan: Plan, atoms: Mapping[str, PipelineAtom]) -> list[tuple[PipelineAtom, int, bool]]:
    """For each composite parameter: the atom that reads it, which of its parameters it
    is, and whether the atom reads it element by element (a ``map`` over the input)."""
    head = plan.predicate or plan.steps[0]
    out = [(atoms[head.atom], 0, head.each)]
    for step in ([plan.predicate] if plan.predicate else []) + list(plan.steps) + list(plan.otherwise):
        atom = atoms[step.atom]
        out += [(atom, j, False) for j in range(1, len(step.extra) + 1)]
    return out


def _specific(origin: tuple[PipelineAtom, int, bool], type_: str, rng: random.Random) -> Any:
    atom, index, each = origin
    samples = [args[index] for args in atom.sample_args]
    if each:  # the parameter is a list whose elements the atom takes
        if not samples:
            return random_value(type_, rng)
        return [rng.choice(samples) for _ in range(rng.randint(2, 5))]
    return rng.choice(samples) if samples else random_value(type_, rng)


def case_inputs(plan: Plan, atoms: Mapping[str, PipelineAtom], *, count: int, seed: int) -> list[Args]:
    """``count`` distinct argument lists: the shared part (about two thirds), then values
    from the atoms' own cases, then random values until ``count`` distinct ones exist."""
    types = [p.type for p in plan.params]
    inputs = shared_inputs(types, shared_count(count), seed)
    seen = {json.dumps(a, sort_keys=True) for a in inputs}
    rng = random.Random(f"{seed}:case:{plan.key}")
    origins = _origins(plan, atoms)
    for attempt in range(count * 20):
        if len(inputs) >= count:
            break
        if attempt < count * 10:
            args = [_specific(o, t, rng) for o, t in zip(origins, types, strict=True)]
        else:
            args = [random_value(t, rng) for t in types]
        key = json.dumps(args, sort_keys=True)
        if key not in seen:
            seen.add(key)
            inputs.append(args)
    return inputs


def shared_count(count: int) -> int:
    """How many of ``count`` cases are the shared, type-only part (fingerprints use them)."""
    return count - count // 3

"""The reference solution of a composite, as ordinary Python: every atom's own source as a
helper function, then one composite function with a typed signature that calls them.

Nothing of ours is imported by the generated code, so a model trained on it sees plain
Python. A helper is renamed only when its name would clash with a name the composite uses
(its own name, a parameter, a local, a builtin); the rename touches name tokens only, so
the atom's formatting and comments survive.
"""

from __future__ import annotations

import builtins
import io
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webapp.atoms.library.spec import signature_line
from webapp.synthesis.pipeline.atoms import PipelineAtom
from webapp.synthesis.pipeline.plan import Plan, Step

#: Longest composite name built from the atom names; longer chains use first and last only.
MAX_NAME = 48
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Program:
    """A composite's generated code and signature."""

    entry_point: str
    signature: str
    solution: str


def entry_name(plan: Plan, atoms: Mapping[str, PipelineAtom]) -> str:
    """A readable name for the composite function, built from its atoms' names."""

    def part(step: Step) -> str:
        name = atoms[step.atom].entry_point
        return f"each_{name}" if step.each else name

    if plan.shape == "branch" and plan.predicate:
        name = f"{part(plan.steps[0])}_or_{part(plan.otherwise[0])}_by_{part(plan.predicate)}"
        if len(name) > MAX_NAME:
            name = f"{part(plan.steps[0])}_or_{part(plan.otherwise[0])}"
        return name
    parts = [part(s) for s in plan.steps]
    name = "_then_".join(parts)
    if len(name) > MAX_NAME:
        name = f"{parts[0]}_then_{parts[-1]}"
    return name


def rename_function(source: str, old: str, new: str) -> str:
    """``source`` with every name token ``old`` (not an attribute) replaced by ``new``."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int]] = []  # (line index, start col, end col)
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == old:
            before = tokens[i - 1] if i else None
            if before is not None and before.type == tokenize.OP and before.string == ".":
                continue
            edits.append((tok.start[0] - 1, tok.start[1], tok.end[1]))
    for row, start, end in reversed(edits):
        line = lines[row]
        lines[row] = line[:start] + new + line[end:]
    return "".join(lines)


def _call(step: Step, helper: Mapping[str, str], value: str) -> str:
    args = ", ".join(("item" if step.each else value, *step.extra))
    call = f"{helper[step.atom]}({args})"
    return f"[{call} for item in {value}]" if step.each else call


def _arm(steps: Sequence[Step], helper: Mapping[str, str], start: str, indent: str) -> list[str]:
    lines: list[str] = []
    value = start
    for i, step in enumerate(steps, 1):
        call = _call(step, helper, value)
        if i == len(steps):
            lines.append(f"{indent}return {call}")
        else:
            lines.append(f"{indent}step{i} = {call}")
            value = f"step{i}"
    return lines


def generate(plan: Plan, atoms: Mapping[str, PipelineAtom]) -> Program:
    """The composite's code: helpers in order of first use, then the composite function."""
    name = entry_name(plan, atoms)
    locals_ = {f"step{i}" for i in range(1, plan.depth + 1)} | {"item"}
    reserved = {name} | {p.name for p in plan.params} | locals_ | _BUILTINS
    helper: dict[str, str] = {}
    blocks: list[str] = []
    for slug in dict.fromkeys(plan.atoms):
        atom = atoms[slug]
        fn = atom.entry_point
        source = atom.solution.strip() + "\n"
        if fn in reserved or fn in helper.values():
            new = f"{fn}_helper"
            while new in reserved or new in helper.values():
                new += "_"
            source = rename_function(source, fn, new)
            fn = new
        helper[slug] = fn
        blocks.append(source)
    signature = signature_line(name, plan.params, plan.returns)
    start = plan.params[0].name
    body: list[str] = []
    if plan.shape == "branch" and plan.predicate:
        body.append(f"    if {_call(plan.predicate, helper, start)}:")
        body += _arm(plan.steps, helper, start, "        ")
        body.append("    else:")
        body += _arm(plan.otherwise, helper, start, "        ")
    else:
        body += _arm(plan.steps, helper, start, "    ")
    blocks.append(f"{signature}:\n" + "\n".join(body) + "\n")
    return Program(entry_point=name, signature=signature, solution="\n\n".join(blocks))

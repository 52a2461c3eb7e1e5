"""The hand-written library itself: shape, prompts, and behaviour checked in the real sandbox.

These run on every CI run: every reference passes its own cases, every modified variant
behaves differently from its atom, and no two atoms are the same function under two names.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations

from sandbox import JudgeRequest
from webapp.atoms.checks import atom_problems
from webapp.atoms.content import spec_content
from webapp.atoms.library import TOPIC_MODULES, topic_titles
from webapp.atoms.library.spec import AtomSpec
from webapp.atoms.validation import judge_atoms
from webapp.core.judging import sandbox_client

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_library_has_100_atoms_over_10_topics_of_about_10(specs: list[AtomSpec]) -> None:
    assert len(specs) == 100
    per_topic = Counter(s.topic for s in specs)
    assert len(per_topic) == 10 == len(TOPIC_MODULES)
    assert set(per_topic) == set(topic_titles())
    assert all(8 <= n <= 12 for n in per_topic.values()), per_topic


def test_slugs_and_entry_points_are_unique_identifiers(specs: list[AtomSpec]) -> None:
    slugs = [s.slug for s in specs]
    assert len(set(slugs)) == len(slugs)
    assert len({s.entry_point for s in specs}) == len(specs)


def test_every_atom_passes_the_static_checks(specs: list[AtomSpec]) -> None:
    problems = {s.slug: atom_problems(spec_content(s), slug=s.slug) for s in specs}
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_atom_has_six_cases_and_both_prompts_in_their_own_script(specs: list[AtomSpec]) -> None:
    for s in specs:
        assert len(s.cases) >= 6 and len(s.modify.cases) >= 6, s.slug
        assert CJK.search(s.prompt_zh) and CJK.search(s.modify.prompt_zh), s.slug
        assert not CJK.search(s.prompt_en) and not CJK.search(s.modify.prompt_en), s.slug
        assert s.prompt_en != s.modify.prompt_en and s.solution != s.modify.solution, s.slug
        assert s.modify.change, s.slug


def test_cases_cover_edge_cases(specs: list[AtomSpec]) -> None:
    """Each atom's cases include an 'empty' or zero-ish input, and negatives appear wherever
    an int or list[int] parameter exists."""

    def emptyish(v: object) -> bool:
        return v in ([], "", 0, {}) or (isinstance(v, list) and all(x == [] for x in v) and bool(v))

    def has_negative(v: object) -> bool:
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float):
            return v < 0
        if isinstance(v, list):
            return any(has_negative(x) for x in v)
        return False

    no_empty = [s.slug for s in specs if not any(any(emptyish(a) for a in c.args) for c in s.cases)]
    assert len(no_empty) <= 5, f"atoms without an empty or zero input: {no_empty}"
    numeric = [s for s in specs if any(p.type in ("int", "list[int]", "list[list[int]]") for p in s.params)]
    no_negative = [s.slug for s in numeric if not any(has_negative(c.args) for c in s.cases)]
    assert len(no_negative) <= len(numeric) // 4, f"numeric atoms never tried on negatives: {no_negative}"


def test_every_reference_and_variant_passes_its_own_cases_in_the_sandbox(specs: list[AtomSpec]) -> None:
    verdicts = judge_atoms([(s.slug, spec_content(s)) for s in specs])
    failing = {v.slug: (v.problems, v.reference, v.modify) for v in verdicts if not v.ok}
    assert failing == {}
    assert all(v.reference and v.reference["isolation"] for v in verdicts)


def _passes_cases_of(program: AtomSpec | str, entry_point: str, cases: list, rid: str) -> JudgeRequest:
    source = program if isinstance(program, str) else program.solution
    return JudgeRequest(
        program=source,
        entry_point=entry_point,
        cases=[{"args": c.args, "expected": c.expected} for c in cases],
        timeout_s=5.0,
        id=rid,
    )


def test_each_modified_variant_behaves_differently_from_its_atom(specs: list[AtomSpec]) -> None:
    """The atom's reference fails at least one of the variant's cases and vice versa, so a
    model must read the prompt rather than recall the atom."""
    requests = []
    for s in specs:
        requests.append(
            _passes_cases_of(s.solution, s.entry_point, s.modify.cases, f"{s.slug}:atom-on-variant")
        )
        requests.append(
            _passes_cases_of(s.modify.solution, s.entry_point, s.cases, f"{s.slug}:variant-on-atom")
        )
    results = sandbox_client().judge_batch(requests)
    same = [r.id for r in results if r.passed]
    assert same == [], f"these behave identically on the other's cases: {same}"
    assert len(results) == 200


def test_no_two_atoms_are_the_same_function(specs: list[AtomSpec]) -> None:
    """For atoms with the same parameter and return types, B run on A's inputs and A run on
    B's inputs must not both reproduce the other's expected outputs."""
    by_types: dict[tuple[tuple[str, ...], str], list[AtomSpec]] = {}
    for s in specs:
        by_types.setdefault((tuple(p.type for p in s.params), s.returns), []).append(s)
    requests = []
    for group in by_types.values():
        for a, b in combinations(group, 2):
            requests.append(_passes_cases_of(b.solution, b.entry_point, a.cases, f"{b.slug}|{a.slug}"))
            requests.append(_passes_cases_of(a.solution, a.entry_point, b.cases, f"{a.slug}|{b.slug}"))
    assert len(requests) > 100  # the types chain, so many atoms share a signature
    passed = {r.id for r in sandbox_client().judge_batch(requests) if r.passed}
    duplicates = sorted(p for p in passed if "|".join(reversed(p.split("|"))) in passed)
    assert duplicates == []


def test_the_duplicate_check_catches_a_renamed_copy(specs: list[AtomSpec]) -> None:
    """The check above can fail: an atom renamed reproduces the original on its cases."""
    original = specs[0]
    renamed = original.solution.replace(f"def {original.entry_point}(", "def renamed_copy(")
    result = sandbox_client().judge(_passes_cases_of(renamed, "renamed_copy", original.cases, "copy"))
    assert result.passed

"""Judge atoms in the sandbox: an atom is valid when its content passes the static checks
(types, case counts, both prompts, a solution whose signature matches the declared one) and
its reference and its modified variant's reference each pass all of their own cases.

Requests for many atoms go to the sandbox as one batch, so the warm pool runs them in
parallel. Nothing here touches the database: services decide what to save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sandbox import JudgeRequest, JudgeResult
from webapp.atoms.checks import atom_problems
from webapp.atoms.content import Content
from webapp.core.judging import sandbox_client

#: Wall clock for one reference over all of its cases; references are small and fast, so a
#: few seconds only trip on a real infinite loop.
TIMEOUT_S = 5.0
MEMORY_MB = 512


@dataclass(frozen=True)
class AtomVerdict:
    """What validation found for one atom: static problems and the two sandbox results."""

    slug: str
    problems: list[str]
    reference: dict[str, Any] | None
    modify: dict[str, Any] | None

    @property
    def reference_ok(self) -> bool:
        return not self.problems and self.reference is not None and self.reference["verdict"] == "passed"

    @property
    def modify_ok(self) -> bool:
        return not self.problems and self.modify is not None and self.modify["verdict"] == "passed"

    @property
    def ok(self) -> bool:
        return self.reference_ok and self.modify_ok

    def as_record(self) -> dict[str, Any]:
        """The JSON stored on the atom as the verdict that set its status."""
        return {
            "ok": self.ok,
            "problems": self.problems,
            "reference": self.reference,
            "modify": self.modify,
            "checked_at": timezone.now().isoformat(),
        }


def _request(slug: str, which: str, entry_point: str, solution: str, cases: list[Any]) -> JudgeRequest:
    return JudgeRequest(
        program=solution,
        entry_point=entry_point,
        cases=[{"args": c["args"], "expected": c["expected"]} for c in cases],
        timeout_s=TIMEOUT_S,
        memory_mb=MEMORY_MB,
        id=f"{slug}:{which}",
    )


def _summary(result: JudgeResult) -> dict[str, Any]:
    """The verdict with only the failing cases spelled out (passing ones are counted)."""
    failed = [
        {"index": c.index, "args": c.args, "expected": c.expected, "got": c.got, "error": c.error}
        for c in result.cases
        if not c.passed
    ]
    return {
        "verdict": str(result.verdict),
        "cases": len(result.cases),
        "passed": sum(1 for c in result.cases if c.passed),
        "failed": failed,
        "error": result.error,
        "stderr": result.stderr[-2000:],
        "duration_s": round(result.duration_s, 4),
        "isolation": result.isolation,
    }


def judge_atoms(items: Sequence[tuple[str, Content]]) -> list[AtomVerdict]:
    """Validate ``(slug, content)`` pairs; one sandbox batch for all that pass static checks."""
    requests: list[JudgeRequest] = []
    problems: dict[str, list[str]] = {}
    for slug, content in items:
        problems[slug] = [str(p) for p in atom_problems(content, slug=slug)]
        if problems[slug]:
            continue
        modify = content["modify"]
        requests.append(
            _request(slug, "reference", content["entry_point"], content["solution"], content["cases"])
        )
        requests.append(_request(slug, "modify", content["entry_point"], modify["solution"], modify["cases"]))
    results = {r.id: r for r in sandbox_client().judge_batch(requests)} if requests else {}
    verdicts = []
    for slug, _ in items:
        ref = results.get(f"{slug}:reference")
        mod = results.get(f"{slug}:modify")
        verdicts.append(
            AtomVerdict(
                slug=slug,
                problems=problems[slug],
                reference=_summary(ref) if ref else None,
                modify=_summary(mod) if mod else None,
            )
        )
    return verdicts

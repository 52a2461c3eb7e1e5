"""Contamination between training rows and evaluation rows (pure functions on problem records).

Five checks, each a list of ``(train task, eval task)`` findings:

- ``exact_prompt``: the same prompt text (leading and trailing whitespace ignored).
- ``same_solution``: the same solution after normalisation. Python that parses is compared
  as an ``ast.dump`` with docstrings removed and every name the code *binds* (functions,
  parameters, assigned and loop variables, imports' aliases) renamed ``_0, _1, ...`` in order
  of first appearance, so renaming variables or editing docstrings hides nothing; builtins
  and attributes keep their names, so ``len(x)`` and ``sum(x)`` stay different. Text that does
  not parse (translation targets) is compared with ``#`` comments dropped and whitespace
  collapsed.
- ``same_chain``: composite rows (source ``composite``) with the same ordered chain of atoms
  (``meta.atoms``).
- ``shared_pair``: composite rows sharing an ordered adjacent pair of atoms (``a → b``).
- ``ngram_overlap``: solutions whose token n-gram sets (default 8-grams of the normalised
  solution's tokens) have a Jaccard similarity at or above a threshold (default 0.5); pairs
  already reported as ``same_solution`` are not repeated. Solutions shorter than ``n`` tokens
  are left to the other checks.

The first three mean the eval problem itself is in the training rows (**blocking**); the last
two are warnings a researcher should read.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from training_worker.contracts import ProblemRecord

BLOCKING: tuple[str, ...] = ("exact_prompt", "same_solution", "same_chain")
WARNINGS: tuple[str, ...] = ("shared_pair", "ngram_overlap")
KINDS: tuple[str, ...] = BLOCKING + WARNINGS
LABELS: dict[str, str] = {
    "exact_prompt": "Exact prompt match",
    "same_solution": "Same solution after normalisation",
    "same_chain": "Composite with the same atom chain",
    "shared_pair": "Composites sharing an ordered atom pair",
    "ngram_overlap": "Solution n-gram overlap",
}
#: Examples kept per check; the counts are always complete.
MAX_EXAMPLES = 50


@dataclass(frozen=True)
class Params:
    """Tunable thresholds of the n-gram check."""

    ngram: int = 8  # tokens per n-gram: long enough that shared idioms (``for i in range(len(``) rarely match
    jaccard: float = 0.5  # half of both solutions' n-grams in common is a near-copy, not a shared idiom

    def __post_init__(self) -> None:
        if not 1 <= self.ngram <= 64:
            raise ValueError(f"ngram must be 1..64, not {self.ngram}")
        if not 0 < self.jaccard <= 1:
            raise ValueError(f"jaccard threshold must be in (0, 1], not {self.jaccard}")

    @property
    def key(self) -> str:
        """A stable text key for caching reports."""
        return f"ngram={self.ngram};jaccard={self.jaccard:g}"


@dataclass
class Report:
    """What the checks found: per kind, the number of pairs, the distinct eval tasks hit and
    up to :data:`MAX_EXAMPLES` examples."""

    train_rows: int
    eval_rows: int
    params: Params
    pairs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    eval_hit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})

    @property
    def blocking(self) -> int:
        """Eval-task hits of the blocking checks (0 means train holds no eval problem)."""
        return sum(self.eval_hit[k] for k in BLOCKING)

    @property
    def clean(self) -> bool:
        """Nothing found by any check."""
        return not any(self.pairs.values())

    def to_json(self) -> dict[str, Any]:
        """The stored form (see :meth:`from_json`)."""
        return {
            "train_rows": self.train_rows,
            "eval_rows": self.eval_rows,
            "params": {"ngram": self.params.ngram, "jaccard": self.params.jaccard},
            "pairs": self.pairs,
            "eval_hit": self.eval_hit,
            "examples": self.examples,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The inverse of :meth:`to_json`."""
        return cls(
            train_rows=data["train_rows"],
            eval_rows=data["eval_rows"],
            params=Params(**data["params"]),
            pairs=data["pairs"],
            eval_hit=data["eval_hit"],
            examples=data["examples"],
        )

    def summary(self) -> str:
        """One line: each check's count of eval problems hit."""
        parts = [f"{LABELS[k].lower()}: {self.eval_hit[k]}" for k in KINDS]
        return f"{self.train_rows} train rows vs {self.eval_rows} eval rows; " + "; ".join(parts)


def _is_docstring(node: ast.stmt | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


class _Renamer(ast.NodeTransformer):
    def __init__(self, bound: set[str]) -> None:
        self.bound = bound
        self.names: dict[str, str] = {}

    def _canon(self, name: str) -> str:
        if name not in self.bound:
            return name
        return self.names.setdefault(name, f"_{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._canon(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._canon(node.arg)
        node.annotation = None
        return node

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        node.name = self._canon(node.name)
        if not isinstance(node, ast.ClassDef):
            node.returns = None
        if _is_docstring(node.body[0] if node.body else None):
            node.body = node.body[1:] or [ast.Pass()]
        self.generic_visit(node)
        return node

    visit_FunctionDef = _visit_def
    visit_AsyncFunctionDef = _visit_def
    visit_ClassDef = _visit_def


def _bound_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            bound.add(node.asname)
    return bound


def _strip_text(text: str) -> str:
    without_comments = re.sub(r"#[^\n]*", "", text)
    return " ".join(without_comments.split())


def normalise_solution(text: str) -> str:
    """The comparison key of a solution (module docstring); ``""`` for an empty one."""
    if not text.strip():
        return ""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return "text:" + _strip_text(text)
    if _is_docstring(tree.body[0] if tree.body else None):
        tree.body = tree.body[1:]
    tree = _Renamer(_bound_names(tree)).visit(tree)
    return "ast:" + ast.dump(tree, annotate_fields=False)


_TOKEN = re.compile(r"\w+|[^\w\s]")


def solution_tokens(text: str) -> list[str]:
    """Tokens of a solution for the n-gram check: Python tokens without comments, strings
    kept whole; falls back to words and punctuation for text that does not tokenise."""
    try:
        return [
            t.string
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT)
            and t.type not in (tokenize.DEDENT, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _TOKEN.findall(text)


def _ngrams(tokens: Sequence[str], n: int) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _is_composite(record: ProblemRecord) -> bool:
    mixture_source = str((record.meta.get("mixture") or {}).get("source", ""))
    return record.source.startswith("composite") or mixture_source.startswith("composite:")


def _chain(record: ProblemRecord) -> tuple[str, ...]:
    return tuple(record.meta.get("atoms") or ())


def _unique_by_task(records: Iterable[ProblemRecord]) -> list[ProblemRecord]:
    """One row per task id: up-sampled copies of a problem are the same problem."""
    seen: dict[str, ProblemRecord] = {}
    for r in records:
        seen.setdefault(r.task_id, r)
    return list(seen.values())


class _Collector:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.hit: dict[str, set[str]] = defaultdict(set)
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, kind: str, train: ProblemRecord, eval_: ProblemRecord, **detail: Any) -> None:
        key = (kind, train.task_id, eval_.task_id)
        if key in self.seen:
            return
        self.seen.add(key)
        self.report.pairs[kind] += 1
        self.hit[kind].add(key[2])
        if len(self.report.examples[kind]) < MAX_EXAMPLES:
            self.report.examples[kind].append({"train": key[1], "eval": key[2], **detail})

    def finish(self) -> Report:
        for kind in KINDS:
            self.report.eval_hit[kind] = len(self.hit[kind])
        return self.report


def contamination(
    train: Iterable[ProblemRecord], eval: Iterable[ProblemRecord], *, params: Params | None = None
) -> Report:
    """Run every check of the module docstring on train rows against eval rows."""
    params = params or Params()
    train_rows = list(train)
    eval_rows = list(eval)
    tr, ev = _unique_by_task(train_rows), _unique_by_task(eval_rows)
    out = _Collector(Report(train_rows=len(train_rows), eval_rows=len(eval_rows), params=params))

    prompts: dict[str, list[ProblemRecord]] = defaultdict(list)
    solutions: dict[str, list[ProblemRecord]] = defaultdict(list)
    for r in tr:
        if r.prompt.strip():
            prompts[r.prompt.strip()].append(r)
        key = normalise_solution(r.solution)
        if key:
            solutions[key].append(r)
    same_solution: set[tuple[str, str]] = set()
    for e in ev:
        for t in prompts.get(e.prompt.strip(), []):
            out.add("exact_prompt", t, e)
        key = normalise_solution(e.solution)
        for t in solutions.get(key, []) if key else []:
            out.add("same_solution", t, e)
            same_solution.add((t.task_id, e.task_id))

    _composite_checks(tr, ev, out)
    _ngram_check(tr, ev, params, same_solution, out)
    return out.finish()


def _composite_checks(tr: list[ProblemRecord], ev: list[ProblemRecord], out: _Collector) -> None:
    chains: dict[tuple[str, ...], list[ProblemRecord]] = defaultdict(list)
    pairs: dict[tuple[str, str], list[ProblemRecord]] = defaultdict(list)
    for r in tr:
        chain = _chain(r)
        if _is_composite(r) and len(chain) >= 2:
            chains[chain].append(r)
            for pair in itertools.pairwise(chain):
                pairs[pair].append(r)
    for e in ev:
        chain = _chain(e)
        if not _is_composite(e) or len(chain) < 2:
            continue
        for t in chains.get(chain, []):
            out.add("same_chain", t, e, chain=list(chain))
        for pair in itertools.pairwise(chain):
            for t in pairs.get(pair, []):
                out.add("shared_pair", t, e, pair=list(pair))


def _ngram_check(
    tr: list[ProblemRecord],
    ev: list[ProblemRecord],
    params: Params,
    skip: set[tuple[str, str]],
    out: _Collector,
) -> None:
    # An inverted index from n-gram to train rows: only pairs sharing at least one n-gram are
    # compared, so the cost follows the overlap, not |train| x |eval|.
    train_grams: list[frozenset[tuple[str, ...]]] = []
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, r in enumerate(tr):
        grams = _ngrams(solution_tokens(r.solution), params.ngram)
        train_grams.append(grams)
        for g in grams:
            index[g].append(i)
    for e in ev:
        grams = _ngrams(solution_tokens(e.solution), params.ngram)
        if not grams:
            continue
        shared: dict[int, int] = defaultdict(int)
        for g in grams:
            for i in index.get(g, ()):
                shared[i] += 1
        for i, common in shared.items():
            jaccard = common / (len(grams) + len(train_grams[i]) - common)
            t = tr[i]
            if jaccard >= params.jaccard and (t.task_id, e.task_id) not in skip:
                out.add("ngram_overlap", t, e, jaccard=round(jaccard, 3))

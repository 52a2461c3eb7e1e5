"""The synthesis run: draw plans, generate code, prompts and inputs, record outputs in the
sandbox (many composites per batch), keep the valid ones, fill the pools in order.

Pure: no Django. The caller passes atoms as plain data and a ``judge`` callable (the
sandbox client's ``judge_batch``), and may pass ``on_progress`` and ``should_stop``.
Deterministic for a given config, atom set and judge: every random choice comes from
generators seeded by the config's seed, and batch sizes depend only on counts.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.types import JudgeRequest, JudgeResult
from webapp.synthesis.pipeline.atoms import PipelineAtom, library_version
from webapp.synthesis.pipeline.cases import case_inputs, shared_count
from webapp.synthesis.pipeline.codegen import generate
from webapp.synthesis.pipeline.plan import SHAPES, Composer, NoTypeMatch, PairRule, Plan, TooManyParams
from webapp.synthesis.pipeline.prompts import prompts
from webapp.synthesis.pipeline.validity import REASONS, fingerprint, rejection

Judge = Callable[[list[JudgeRequest]], list[JudgeResult]]


@dataclass
class SynthesisConfig:
    """What to synthesise. Defaults are the paper-sized run of the issue."""

    #: Pool name → how many composites it gets; filled in this order.
    pools: dict[str, int] = field(default_factory=lambda: {"A": 1000, "B": 300, "C": 300})
    #: Smallest and largest number of atom calls per composite (2 to 4 keeps code readable).
    depth: tuple[int, int] = (2, 3)
    seed: int = 0
    #: Relative frequency of each shape. Chains dominate; the other two add variety.
    shapes: dict[str, float] = field(default_factory=lambda: {"chain": 0.6, "map": 0.2, "branch": 0.2})
    #: Cases per composite; at least 6 (the atoms' own minimum).
    cases: int = 8
    #: Also keep ordered pairs of adjacent atoms apart: each pair belongs to one pool.
    disjoint_pairs: bool = False
    #: Composites per sandbox call: large enough to keep every pool worker busy.
    batch_size: int = 96
    #: At most this many composite parameters (the input plus extra atom parameters).
    max_params: int = 3
    #: Wall clock for one composite over all its cases; atoms are fast, so only a runaway
    #: chain (a huge list fed into a quadratic atom) reaches it.
    timeout_s: float = 5.0
    memory_mb: int = 256
    #: Longest expected value kept (JSON characters); bigger outputs make unreadable tests.
    max_output_chars: int = 2000
    #: A composite must give at least this many distinct outputs over its cases.
    min_distinct_outputs: int = 2
    #: Give up on a pool after this many draws per composite it asked for (space exhausted).
    max_draws_per_composite: int = 60

    def __post_init__(self) -> None:
        if not self.pools or any(n < 0 for n in self.pools.values()):
            raise ValueError("pools must name at least one pool, each with a count >= 0")
        if any(not name or not name.replace("_", "").isalnum() for name in self.pools):
            raise ValueError("pool names must be letters, digits or underscores")
        low, high = self.depth
        if not 1 <= low <= high <= 6:
            raise ValueError("depth must satisfy 1 <= low <= high <= 6")
        unknown = set(self.shapes) - set(SHAPES)
        if unknown or not any(w > 0 for w in self.shapes.values()):
            raise ValueError(f"shapes must weight some of {SHAPES}; unknown: {sorted(unknown)}")
        if self.cases < 6:
            raise ValueError("at least 6 cases per composite")
        if self.batch_size < 1 or self.max_params < 1:
            raise ValueError("batch_size and max_params must be positive")

    @property
    def total(self) -> int:
        """Composites asked for over all pools."""
        return sum(self.pools.values())

    def as_params(self) -> dict[str, Any]:
        """JSON-ready parameters (stored on the run row)."""
        return {
            "pools": dict(self.pools),
            "depth": list(self.depth),
            "seed": self.seed,
            "shapes": dict(self.shapes),
            "cases": self.cases,
            "disjoint_pairs": self.disjoint_pairs,
            "max_params": self.max_params,
        }


@dataclass
class SynthesizedComposite:
    """One valid composite, ready to store or export."""

    key: str
    pool: str
    plan: Plan
    entry_point: str
    signature: str
    solution: str
    prompt_en: str
    prompt_zh: str
    cases: list[dict[str, Any]]
    fingerprint: str
    topics: list[str]

    @property
    def atoms(self) -> list[str]:
        return self.plan.atoms

    @property
    def shape(self) -> str:
        return self.plan.shape

    @property
    def depth(self) -> int:
        return self.plan.depth

    @property
    def params(self) -> list[dict[str, str]]:
        return [{"name": p.name, "type": p.type} for p in self.plan.params]

    @property
    def returns(self) -> str:
        return self.plan.returns


@dataclass
class Progress:
    """A snapshot of a run for a progress bar."""

    done: int
    total: int
    counters: dict[str, int]
    message: str


@dataclass
class SynthesisResult:
    """What a run produced: the pools, the counters and whether it ran to the end."""

    library_version: str
    pools: dict[str, list[SynthesizedComposite]]
    counters: dict[str, int]
    #: Pool → how many composites it lacks (the space of valid chains ran out).
    shortfall: dict[str, int]
    stopped: bool
    elapsed_s: float

    @property
    def composites(self) -> list[SynthesizedComposite]:
        return [c for pool in self.pools.values() for c in pool]


def new_counters() -> dict[str, int]:
    """Every counter at zero, in display order."""
    return {"generated": 0, "valid": 0, **{f"rejected: {r}": 0 for r in REASONS}, "surplus": 0}


@dataclass
class _Candidate:
    plan: Plan
    entry_point: str
    signature: str
    solution: str
    inputs: list[list[Any]]

    def request(self, config: SynthesisConfig) -> JudgeRequest:
        # No "expected": the sandbox records what the reference returns.
        return JudgeRequest(
            program=self.solution,
            entry_point=self.entry_point,
            cases=[{"args": args} for args in self.inputs],
            timeout_s=config.timeout_s,
            memory_mb=config.memory_mb,
        )


def pair_owner(seed: int, pools: Mapping[str, int]) -> Callable[[str, str], str]:
    """Assigns each ordered pair of atoms to one pool, with chances proportional to the
    pools' sizes; a hash, so the assignment needs no list of all pairs and never changes
    for a given seed."""
    names = [p for p, n in pools.items() if n > 0] or list(pools)
    weights = [max(pools[p], 1) for p in names]
    total = sum(weights)

    def owner(prev: str, nxt: str) -> str:
        digest = hashlib.sha256(f"{seed}:{prev}>{nxt}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64 * total
        for name, weight in zip(names, weights, strict=True):
            if point < weight:
                return name
            point -= weight
        return names[-1]

    return owner


class _Run:
    def __init__(
        self,
        atoms: Sequence[PipelineAtom],
        config: SynthesisConfig,
        judge: Judge,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.atoms = {a.slug: a for a in atoms}
        self.config = config
        self.judge = judge
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.composer = Composer(list(self.atoms.values()), max_params=config.max_params)
        self.rng = random.Random(config.seed)
        self.counters = new_counters()
        self.seen_keys: set[str] = set()
        self.seen_prints: set[str] = set()
        self.kept = 0
        self.judged = 0  # candidates sent to the sandbox
        self.passed = 0  # of which valid (kept or surplus)
        self.owner = pair_owner(config.seed, config.pools) if config.disjoint_pairs else None
        # A branch needs a predicate and two arms: three atoms at least.
        self.shapes = [
            s for s in SHAPES if config.shapes.get(s, 0) > 0 and not (s == "branch" and config.depth[1] < 3)
        ]
        if not self.shapes:
            raise ValueError("no shape fits the depth range")
        self.weights = [config.shapes[s] for s in self.shapes]

    def reject(self, reason: str) -> None:
        self.counters[f"rejected: {reason}"] += 1

    def progress(self, message: str) -> None:
        if self.on_progress:
            self.on_progress(Progress(self.kept, self.config.total, dict(self.counters), message))

    def draw(self, pool: str) -> _Candidate | None:
        self.counters["generated"] += 1
        shape = self.rng.choices(self.shapes, self.weights)[0]
        low, high = self.config.depth
        depth = self.rng.randint(max(low, 3) if shape == "branch" else low, high)
        pair_ok: PairRule | None = None
        if self.owner is not None:
            owner = self.owner
            pair_ok = lambda a, b: owner(a, b) == pool  # noqa: E731
        try:
            plan = self.composer.draw(self.rng, shape=shape, depth=depth, pair_ok=pair_ok)
        except NoTypeMatch:
            self.reject("no_type_match")
            return None
        except TooManyParams:
            self.reject("too_many_params")
            return None
        if plan.key in self.seen_keys:
            self.reject("duplicate_chain")
            return None
        self.seen_keys.add(plan.key)
        program = generate(plan, self.atoms)
        inputs = case_inputs(plan, self.atoms, count=self.config.cases, seed=self.config.seed)
        return _Candidate(plan, program.entry_point, program.signature, program.solution, inputs)

    def accept(
        self, pool: str, index: int, cand: _Candidate, result: JudgeResult
    ) -> SynthesizedComposite | None:
        reason = rejection(
            result,
            cand.plan.returns,
            max_output_chars=self.config.max_output_chars,
            min_distinct_outputs=self.config.min_distinct_outputs,
        )
        if reason:
            self.reject(reason)
            return None
        outputs = [c.got for c in result.cases]
        types = [p.type for p in cand.plan.params]
        print_ = fingerprint(types, cand.plan.returns, outputs[: shared_count(self.config.cases)])
        if print_ in self.seen_prints:
            self.reject("duplicate_outputs")
            return None
        self.seen_prints.add(print_)
        prompt_en, prompt_zh = prompts(cand.plan, self.atoms, cand.signature)
        topics = list(dict.fromkeys(self.atoms[s].topic for s in cand.plan.atoms))
        return SynthesizedComposite(
            key=f"composite/{pool}/{index:06d}",
            pool=pool,
            plan=cand.plan,
            entry_point=cand.entry_point,
            signature=cand.signature,
            solution=cand.solution,
            prompt_en=prompt_en,
            prompt_zh=prompt_zh,
            cases=[{"args": args, "expected": got} for args, got in zip(cand.inputs, outputs, strict=True)],
            fingerprint=print_,
            topics=topics,
        )

    def fill(self, pool: str, target: int) -> tuple[list[SynthesizedComposite], bool]:
        """Fill one pool; returns its composites and whether the run was asked to stop."""
        kept: list[SynthesizedComposite] = []
        draws_at_start = self.counters["generated"]
        budget = target * self.config.max_draws_per_composite
        while len(kept) < target:
            if self.should_stop and self.should_stop():
                return kept, True
            used = self.counters["generated"] - draws_at_start
            if used >= budget:
                break
            # Ask for about as many candidates as the valid rate so far says are needed,
            # so the last batch of a pool does not judge far more than it keeps.
            # Before any history, assume what the library gives: about two thirds valid.
            rate = max(self.passed / self.judged, 0.05) if self.judged >= 20 else 0.65
            want = min(self.config.batch_size, max(4, math.ceil((target - len(kept)) / rate * 1.05)))
            batch: list[_Candidate] = []
            while len(batch) < want and self.counters["generated"] - draws_at_start < budget:
                cand = self.draw(pool)
                if cand is not None:
                    batch.append(cand)
            if not batch:
                continue
            results = self.judge([c.request(self.config) for c in batch])
            self.judged += len(batch)
            for cand, result in zip(batch, results, strict=True):
                composite = self.accept(pool, len(kept) + 1, cand, result)
                if composite is None:
                    continue
                self.passed += 1
                if len(kept) < target:
                    kept.append(composite)
                    self.counters["valid"] += 1
                    self.kept += 1
                else:
                    self.counters["surplus"] += 1
            self.progress(f"pool {pool}: {len(kept)} of {target}")
        return kept, False


def synthesize(
    atoms: Sequence[PipelineAtom],
    config: SynthesisConfig,
    judge: Judge,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    reserved_keys: Iterable[str] = (),
) -> SynthesisResult:
    """Build the pools of ``config`` from ``atoms``, recording outputs with ``judge``.

    ``on_progress`` is called after every sandbox batch; ``should_stop`` is polled before
    each one, and a ``True`` ends the run with what it has (``stopped`` set).
    ``reserved_keys`` are chain keys other stored pools hold: none of them is drawn again,
    so the new pools stay disjoint from those too.
    """
    started = time.monotonic()
    run = _Run(atoms, config, judge, on_progress, should_stop)
    run.seen_keys.update(reserved_keys)
    pools: dict[str, list[SynthesizedComposite]] = {}
    shortfall: dict[str, int] = {}
    stopped = False
    run.progress("starting")
    for pool, target in config.pools.items():
        kept, stopped = run.fill(pool, target)
        pools[pool] = kept
        if len(kept) < target and not stopped:
            shortfall[pool] = target - len(kept)
        if stopped:
            break
    run.progress("stopped" if stopped else "done")
    return SynthesisResult(
        library_version=library_version(atoms),
        pools=pools,
        counters=run.counters,
        shortfall=shortfall,
        stopped=stopped,
        elapsed_s=time.monotonic() - started,
    )

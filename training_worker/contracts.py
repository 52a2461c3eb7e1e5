"""Wire types between the web side and the GPU workers (DESIGN.md, "Wire contracts").

Standard library only, so that the web side can import this module without torch or Celery.
Each type has ``to_dict``/``from_dict`` and ``to_json``/``from_json``; ``from_*`` refuses an
unknown field, a missing required field or a value of the wrong type, naming the field, so
a typo on one side of the wire fails loudly instead of being dropped.

- :class:`JobSpec`: what a GPU worker is asked to run.
- :class:`ProgressEvent`: what a worker reports, one event at a time, with a ``seq`` that
  only grows for a job (the web side applies events idempotently by ``(job_id, seq)``).
- :class:`ProblemRecord`: the problem record of DESIGN.md, the lingua franca of snapshots,
  training and evaluation.
- :class:`GenerationRecord`: one sample of a ``generate`` job, one line of its
  ``<artifact_prefix>/generations.jsonl``.
- :func:`generate_spec`: a ``generate`` job, its sampling config checked by the worker's
  typed config before it is sent; :func:`checkpoint_eval_spec`: the one that evaluates a
  training checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from typing import Any, TypeVar

from training_worker.fieldtypes import field_hints, fits, json_types

#: The version of every type below. A reader refuses a newer version than it knows.
SCHEMA_VERSION = 1
#: The version of a problem record that carries no ``schema_version``: snapshot files written
#: before the field existed hold such lines, and their content hashes must stay valid, so
#: version 1 lines are still written without it (a later version is written on every line).
UNMARKED_PROBLEM_VERSION = 1

JOB_KINDS: tuple[str, ...] = ("sft", "grpo", "rloo", "generate")
EVENT_TYPES: tuple[str, ...] = (
    "started",
    "metrics",
    "log",
    "checkpoint",
    "generations",
    "finished",
    "failed",
    "cancelled",
    "heartbeat",
    "log_batch",
)
#: Metric names (keys of a ``metrics`` payload) for where a step's time goes: the mean per
#: optimizer step over the steps since the previous ``metrics`` event, in seconds. ``step``
#: is the step's wall time (its start to its end, checkpoint saving and event sending left
#: out); for RL it splits into ``generation`` (the rollouts), ``reward`` (all reward
#: functions: the sandbox's judging) and ``update`` (the rest: log-probabilities, backward,
#: optimizer). Measured on rank 0.
METRIC_STEP_S = "time/step_s"
METRIC_GENERATION_S = "time/generation_s"
METRIC_REWARD_S = "time/reward_s"
METRIC_UPDATE_S = "time/update_s"
#: Tokens the trainer counted (prompt and completion tokens for RL, input tokens for SFT)
#: per second of step time, over the same steps.
METRIC_TOKENS_PER_S = "throughput/tokens_per_s"
#: Peak memory in MiB, named for what was measured: CUDA's max allocated by this job
#: (``torch.cuda.max_memory_allocated``), or without CUDA the worker process's peak resident
#: set since it started (``ru_maxrss``; a worker that ran earlier jobs reports their peak too).
METRIC_PEAK_CUDA_MB = "memory/peak_cuda_allocated_mb"
METRIC_PEAK_RSS_MB = "memory/peak_rss_mb"
#: Caps on a job attempt's ``log_batch`` events (the worker's log tail on the run page):
#: lines per attempt, characters per line, lines per event, and the least seconds between
#: two events. Past the line cap the rest are counted in ``dropped``, not sent.
LOG_MAX_LINES = 2000
LOG_MAX_LINE_CHARS = 500
LOG_BATCH_LINES = 200
LOG_EVERY_S = 2.0

#: Event types after which a job emits nothing more.
TERMINAL_EVENTS: frozenset[str] = frozenset({"finished", "failed", "cancelled"})

# Job ids end up in Redis keys and artifact paths: keep them to one safe path segment.
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class ContractError(ValueError):
    """A wire object is malformed; the message names the type and the field."""


T = TypeVar("T", bound="_Wire")


def _type_name(types: tuple[type, ...]) -> str:
    names = {type(None): "null", str: "string", int: "integer", float: "number", bool: "boolean"}
    names |= {list: "list", dict: "object"}
    return " or ".join(names.get(t, t.__name__) for t in types)


class _Wire:
    """Shared JSON round trip and field checking for the dataclasses below: a field takes
    the exact JSON types its annotation names (:mod:`training_worker.fieldtypes`; ``bool`` is
    never accepted for ``int``, nor ``int`` for ``bool``)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_dict`` reverses it)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload,no-any-return]

    def to_json(self) -> str:
        """Compact JSON text (``from_json`` reverses it)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls: type[T], text: str | bytes) -> T:
        """Parse JSON text; malformed JSON is a :class:`ContractError` too."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ContractError(f"{cls.__name__}: not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T:
        """Build from a JSON object; unknown, missing or wrongly typed fields are refused."""
        if not isinstance(data, dict):
            raise ContractError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ContractError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
        required = [
            name
            for name, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        missing = [name for name in required if name not in data]
        if missing:
            raise ContractError(f"{cls.__name__}: missing field(s) {', '.join(missing)}")
        for name, value in data.items():
            cls._check_type(name, value)
        return cls(**data)

    @classmethod
    def _check_type(cls, name: str, value: Any) -> None:
        hint = field_hints(cls)[name]
        if not fits(hint, value):
            raise ContractError(
                f"{cls.__name__}.{name}: expected {_type_name(json_types(hint))}, got {type(value).__name__}"
            )

    def _check_field_types(self) -> None:
        """The checks of :meth:`from_dict` for an object built in code (where a value read
        from a database column of the wrong kind would otherwise pass unnoticed)."""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            self._check_type(f.name, getattr(self, f.name))

    def _check_schema_version(self, version: int) -> None:
        if not 1 <= version <= SCHEMA_VERSION:
            raise ContractError(
                f"{type(self).__name__}.schema_version: this worker reads versions 1..{SCHEMA_VERSION}, "
                f"got {version}"
            )


def _check_str_list(owner: str, name: str, value: list[Any]) -> None:
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise ContractError(f"{owner}.{name}[{i}]: expected a non-empty string")


def _json_ready(owner: str, name: str, value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ContractError(f"{owner}.{name}: not JSON data: {exc}") from None


@dataclasses.dataclass(frozen=True)
class JobSpec(_Wire):
    """One job for a GPU worker.

    ``model`` is ``"default"`` (the built-in model under the worker's ``ARTIFACT_ROOT``), a
    local path, a Hugging Face id already in the worker's cache, or a checkpoint URI.
    ``init_checkpoint`` (optional) starts from an earlier run's checkpoint instead of
    ``model``'s weights; for a LoRA checkpoint, ``model`` must be the base it was trained on.
    ``resume_checkpoint``/``resume_step`` continue this same job from one of its own
    checkpoints (optimizer, scheduler and step included); ``attempt`` counts the times the
    web side queued this job (a re-delivered message of one attempt never runs twice, a new
    attempt does). ``data_uris`` are snapshot files
    (JSONL of problem records). ``method_config`` is validated by the worker's typed config
    for ``kind``. Checkpoints go to ``<artifact_prefix>/checkpoints/checkpoint-<step>``,
    rollouts to ``<artifact_prefix>/rollouts/``; a ``generate`` job writes
    ``<artifact_prefix>/generations.jsonl`` (:class:`GenerationRecord` lines). A relative
    ``artifact_prefix``, ``data_uris`` entry or checkpoint URI (``evals/7``) lies under the
    worker's artifact root.
    """

    job_id: str
    kind: str
    model: str
    data_uris: list[str]
    artifact_prefix: str
    method_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    seed: int = 0
    init_checkpoint: str | None = None
    resume_checkpoint: str | None = None
    resume_step: int | None = None
    attempt: int = 1
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not _JOB_ID.match(self.job_id):
            raise ContractError(
                f"JobSpec.job_id: {self.job_id!r} must be 1-128 letters, digits, '_', '.' or '-'"
            )
        if self.kind not in JOB_KINDS:
            raise ContractError(f"JobSpec.kind: {self.kind!r} is not one of {', '.join(JOB_KINDS)}")
        if not self.model.strip():
            raise ContractError("JobSpec.model: must not be empty")
        if not self.artifact_prefix.strip():
            raise ContractError("JobSpec.artifact_prefix: must not be empty")
        _check_str_list("JobSpec", "data_uris", self.data_uris)
        if self.kind != "generate" and not self.data_uris:
            raise ContractError("JobSpec.data_uris: a training job needs at least one snapshot file")
        _json_ready("JobSpec", "method_config", self.method_config)
        if not 0 <= self.seed < 2**32:
            raise ContractError(f"JobSpec.seed: must be in [0, 2**32), got {self.seed}")
        for name in ("init_checkpoint", "resume_checkpoint"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise ContractError(f"JobSpec.{name}: must be null or a non-empty URI")
        if (self.resume_checkpoint is None) != (self.resume_step is None):
            raise ContractError("JobSpec.resume_step: give it together with resume_checkpoint, or neither")
        if self.resume_step is not None and self.resume_step < 0:
            raise ContractError(f"JobSpec.resume_step: must be >= 0, got {self.resume_step}")
        if self.attempt < 1:
            raise ContractError(f"JobSpec.attempt: must be >= 1, got {self.attempt}")
        self._check_schema_version(self.schema_version)


@dataclasses.dataclass(frozen=True)
class ProgressEvent(_Wire):
    """One report from a worker about a job.

    ``seq`` grows strictly for a job across all of its attempts (a resumed job continues
    the numbering); ``step`` is the optimizer step the event is about. ``payload`` by type:
    ``started`` {kind, model, config, versions, host, pid}; ``metrics`` {name: number};
    ``log`` {level, message}; ``checkpoint`` {uri, step}; ``finished`` {checkpoint, metrics};
    ``failed`` {error}; ``cancelled`` {checkpoint}; ``heartbeat`` {host, pid}.
    ``metrics`` of a training job also carry the step's time split, tokens per second and
    peak memory (:data:`METRIC_STEP_S` and the names beside it).

    ``log_batch`` {lines: [{t, level, logger, message}], dropped}: the worker's own logging
    during the job (trainer progress, library warnings, errors), batched at most every
    :data:`LOG_EVERY_S` seconds, at most :data:`LOG_MAX_LINES` lines per attempt
    (``dropped`` counts the lines left out so far), each line cut at
    :data:`LOG_MAX_LINE_CHARS` characters. Every kind of job sends them, rank 0 only; the
    last one comes before the terminal event.

    A ``generate`` job (step always 0) sends ``generations`` {done, total, generations_uri}
    (samples written so far, at most every ``progress_every_s``, and once at the end),
    ``finished`` {generations_uri, count, total, backend, seconds, samples_per_second} and
    ``cancelled`` with the same payload for what was written before the cancel.
    """

    job_id: str
    seq: int
    type: str
    step: int = 0
    payload: dict[str, Any] = dataclasses.field(default_factory=dict)
    timestamp: float = dataclasses.field(default_factory=time.time)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not _JOB_ID.match(self.job_id):
            raise ContractError(f"ProgressEvent.job_id: {self.job_id!r} is not a valid job id")
        if self.seq < 1:
            raise ContractError(f"ProgressEvent.seq: must be >= 1, got {self.seq}")
        if self.type not in EVENT_TYPES:
            raise ContractError(f"ProgressEvent.type: {self.type!r} is not one of {', '.join(EVENT_TYPES)}")
        if self.step < 0:
            raise ContractError(f"ProgressEvent.step: must be >= 0, got {self.step}")
        if not math.isfinite(self.timestamp):
            raise ContractError("ProgressEvent.timestamp: must be a finite number")
        _json_ready("ProgressEvent", "payload", self.payload)
        self._check_schema_version(self.schema_version)


@dataclasses.dataclass(frozen=True)
class ProblemRecord(_Wire):
    """A problem (DESIGN.md, "The problem record").

    ``cases`` are native cases ``{"args": [...], "kwargs": {...}, "expected": ...}`` in the
    sandbox's tagged JSON; ``test`` is an optional HumanEval-style test. Neither ever reaches
    the model. A record without ``schema_version`` reads as :data:`UNMARKED_PROBLEM_VERSION`
    (snapshot lines of that version leave it out, see there). Built in code or read, every
    field's type is checked, so a wrongly typed value fails here, naming the field.
    """

    task_id: str
    source: str
    lang: str
    prompt: str
    entry_point: str
    solution: str
    pool: str | None = None
    cases: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    test: str | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, data: Any) -> ProblemRecord:
        """As :meth:`_Wire.from_dict`; a missing ``schema_version`` is
        :data:`UNMARKED_PROBLEM_VERSION`, whatever the current version is."""
        if isinstance(data, dict) and "schema_version" not in data:
            data = {**data, "schema_version": UNMARKED_PROBLEM_VERSION}
        return super().from_dict(data)

    def __post_init__(self) -> None:
        self._check_field_types()
        for name in ("task_id", "source", "lang", "prompt"):
            if not getattr(self, name).strip():
                raise ContractError(f"ProblemRecord.{name}: must not be empty")
        for i, case in enumerate(self.cases):
            if not isinstance(case, dict):
                raise ContractError(f"ProblemRecord.cases[{i}]: expected an object")
            extra = sorted(set(case) - {"args", "kwargs", "expected"})
            if extra:
                raise ContractError(f"ProblemRecord.cases[{i}]: unknown field(s) {', '.join(extra)}")
            if not isinstance(case.get("args", []), list):
                raise ContractError(f"ProblemRecord.cases[{i}].args: expected a list")
            if not isinstance(case.get("kwargs", {}), dict):
                raise ContractError(f"ProblemRecord.cases[{i}].kwargs: expected an object")
        if (self.cases or self.test) and not self.entry_point:
            raise ContractError("ProblemRecord.entry_point: cases and tests need an entry point")
        _json_ready("ProblemRecord", "cases", self.cases)
        _json_ready("ProblemRecord", "meta", self.meta)
        self._check_schema_version(self.schema_version)

    @property
    def judgeable(self) -> bool:
        """True when the sandbox can judge an answer (the record has cases or a test)."""
        return bool(self.cases) or bool(self.test)

    @property
    def role(self) -> str:
        """The record's role in its snapshot, ``meta.mixture.role`` (:data:`TRAIN_ROLE` or
        :data:`EVAL_ROLE`): training reads only train rows, evaluation only eval rows. A
        record not built by a mixture counts as a train row."""
        mixture = self.meta.get("mixture")
        role = mixture.get("role") if isinstance(mixture, dict) else None
        return role if isinstance(role, str) and role else TRAIN_ROLE


#: The roles a snapshot row can have (``ProblemRecord.role``).
TRAIN_ROLE = "train"
EVAL_ROLE = "eval"

#: The file a ``generate`` job writes under its ``artifact_prefix``.
GENERATIONS_FILE = "generations.jsonl"
FINISH_REASONS: tuple[str, ...] = ("stop", "length")


@dataclasses.dataclass(frozen=True)
class GenerationRecord(_Wire):
    """One sample of a ``generate`` job (one line of ``generations.jsonl``).

    ``prompt`` is the exact text the model continued (the chat template applied, when the
    job asked through it); ``completion`` is the raw generated text (a stop string that
    ended it is left out); ``code`` is what ``sandbox.extract_code(completion,
    entry_point, record prompt)`` returns, the program the judge runs (the same extraction
    as the RL rewards). ``finish_reason`` is ``stop`` (end-of-turn token or a stop string)
    or ``length`` (``max_new_tokens`` reached). ``seconds`` is the sample's share of its
    batch's wall time. ``(data_uri, task_id, sample_index)`` is unique within a job.
    """

    task_id: str
    sample_index: int
    source: str
    data_uri: str
    prompt: str
    completion: str
    code: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    seconds: float
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        self._check_field_types()
        if not self.task_id.strip():
            raise ContractError("GenerationRecord.task_id: must not be empty")
        for name in ("sample_index", "prompt_tokens", "completion_tokens"):
            if getattr(self, name) < 0:
                raise ContractError(f"GenerationRecord.{name}: must be >= 0, got {getattr(self, name)}")
        if self.finish_reason not in FINISH_REASONS:
            raise ContractError(
                f"GenerationRecord.finish_reason: {self.finish_reason!r} is not one of "
                + ", ".join(FINISH_REASONS)
            )
        if not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ContractError(f"GenerationRecord.seconds: must be a finite number >= 0, got {self.seconds}")
        self._check_schema_version(self.schema_version)


def generate_config(method_config: dict[str, Any] | None) -> dict[str, Any]:
    """``method_config`` of a ``generate`` job as the worker reads it: validated by
    :class:`training_worker.configs.GenerateConfig` (a :class:`ContractError` names the
    field) and resolved, every default written out, so a spec records the whole protocol."""
    from training_worker.configs import ConfigError, GenerateConfig

    try:
        return GenerateConfig.from_dict(dict(method_config or {})).to_dict()
    except ConfigError as exc:
        raise ContractError(f"JobSpec.method_config: {exc}") from None


def generate_spec(
    *,
    job_id: str,
    model: str,
    data_uris: list[str],
    artifact_prefix: str,
    method_config: dict[str, Any] | None = None,
    seed: int = 0,
    init_checkpoint: str | None = None,
) -> JobSpec:
    """A ``generate`` job (what an evaluation sends), its ``method_config`` checked and
    resolved by :func:`generate_config`: an invalid protocol fails here, before it is sent."""
    return JobSpec(
        job_id=job_id,
        kind="generate",
        model=model,
        data_uris=list(data_uris),
        artifact_prefix=artifact_prefix,
        method_config=generate_config(method_config),
        seed=seed,
        init_checkpoint=init_checkpoint,
    )


def checkpoint_eval_spec(
    *,
    job_id: str,
    checkpoint_uri: str,
    base_model: str,
    data_uris: list[str],
    artifact_prefix: str,
    method_config: dict[str, Any] | None = None,
    seed: int = 0,
) -> JobSpec:
    """The ``generate`` job that evaluates the training checkpoint at ``checkpoint_uri``
    (what evaluation during training queues after a ``checkpoint`` event), through
    :func:`generate_spec`.

    ``base_model`` is the training run's ``model`` (a LoRA checkpoint is merged into it; a
    full checkpoint only borrows its tokenizer when it has none)."""
    config = generate_config(method_config)
    if not checkpoint_uri.strip():
        raise ContractError("JobSpec.init_checkpoint: a checkpoint evaluation needs a checkpoint URI")
    return generate_spec(
        job_id=job_id,
        model=base_model,
        data_uris=data_uris,
        artifact_prefix=artifact_prefix,
        method_config=config,
        seed=seed,
        init_checkpoint=checkpoint_uri,
    )

"""Generation for evaluation (job kind ``generate``): ``n`` samples for every selected problem
of the job's snapshot files, appended batch by batch to ``<artifact_prefix>/generations.jsonl``
as :class:`~training_worker.contracts.GenerationRecord` lines.

- Problems: every record of ``data_uris`` in file order, filtered by ``roles``
  (``meta.mixture.role``) and ``task_ids``, cut to ``limit``.
- Batches: samples in (problem, sample index) order, ``batch_size`` per call of the backend
  (the samples of one problem share a prompt and so pad nothing).
- After every batch: its lines are appended (what was generated survives a cancel or a
  crash), the cancel flag is polled, and a ``generations`` progress event goes out when
  ``progress_every_s`` has passed.
- A later attempt of the same job (same model, data, seed and config: ``generate.json``
  holds their fingerprint) keeps the lines already written and generates only the rest;
  any other spec starts the file afresh.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from training_worker.configs import ConfigError, GenerateConfig
from training_worker.contracts import GENERATIONS_FILE, ContractError, GenerationRecord, ProblemRecord
from training_worker.data import DataError, read_records
from training_worker.generation import (
    Backend,
    SampleRequest,
    Sampling,
    TransformersBackend,
    VLLMBackend,
    choose_backend,
    prompt_ids,
    prompt_text,
    sample_seed,
)
from training_worker.runners.common import (
    JobStopped,
    RunContext,
    RunResult,
    load_model_and_tokenizer,
    model_folders,
    quiet_libraries,
)
from training_worker.storage import Storage

#: The fingerprint of the spec that wrote ``generations.jsonl`` (for resuming it).
MANIFEST_FILE = "generate.json"


@dataclass(frozen=True)
class Problem:
    """A selected record, where it came from, and how the model is asked it."""

    data_uri: str
    record: ProblemRecord
    prompt: str
    prompt_ids: list[int]


def select_records(uris: list[str], config: GenerateConfig) -> list[tuple[str, ProblemRecord]]:
    """``(data_uri, record)`` of every record the config selects, in file order."""
    roles = set(config.roles) if config.roles is not None else None
    wanted = set(config.task_ids) if config.task_ids is not None else None
    selected: list[tuple[str, ProblemRecord]] = []
    for uri in uris:
        for record in read_records(uri):
            if roles is not None and record.role not in roles:
                continue
            if wanted is not None and record.task_id not in wanted:
                continue
            selected.append((uri, record))
            if config.limit is not None and len(selected) >= config.limit:
                return selected
    return selected


def _fingerprint(ctx: RunContext, config: GenerateConfig) -> str:
    protocol = {k: v for k, v in config.to_dict().items() if k != "progress_every_s"}
    spec = ctx.spec
    data = [spec.model, spec.init_checkpoint, spec.data_uris, spec.seed, protocol]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _previous_lines(store: Storage, fingerprint: str, job_id: str) -> dict[tuple[str, str, int], str]:
    """The lines an earlier attempt of this very spec wrote, by sample key; a torn last
    line is dropped. Any other earlier file is discarded (and the manifest rewritten)."""
    kept: dict[tuple[str, str, int], str] = {}
    manifest = None
    if store.exists(MANIFEST_FILE):
        try:
            manifest = json.loads(store.read_text(MANIFEST_FILE)).get("fingerprint")
        except ValueError:
            manifest = None
    if manifest == fingerprint and store.exists(GENERATIONS_FILE):
        for line in store.read_text(GENERATIONS_FILE).splitlines():
            try:
                row = GenerationRecord.from_json(line)
            except ContractError:
                continue
            kept[(row.data_uri, row.task_id, row.sample_index)] = line
    store.write_text(GENERATIONS_FILE, "".join(f"{line}\n" for line in kept.values()))
    store.write_text(MANIFEST_FILE, json.dumps({"fingerprint": fingerprint, "job_id": job_id}))
    return kept


def _backend(ctx: RunContext, config: GenerateConfig, name: str) -> tuple[Backend, Any]:
    """The backend and the tokenizer that builds its prompts."""
    import torch

    sampling = Sampling(
        temperature=config.temperature,
        top_p=config.top_p,
        max_new_tokens=config.max_new_tokens,
        stop=tuple(config.stop),
    )
    cuda = bool(torch.cuda.is_available())
    if config.dtype == "bfloat16" and not cuda:
        raise ConfigError("dtype", "bfloat16 needs a CUDA device; this worker has none")
    bf16 = config.dtype == "bfloat16" or (
        config.dtype == "auto" and cuda and bool(torch.cuda.is_bf16_supported())
    )
    if name == "vllm":
        from training_worker.models import load_causal_lm, load_tokenizer

        base, source, tokenizer_dir = model_folders(ctx)
        if (source / "adapter_config.json").exists():  # vLLM wants the merged weights
            merged = ctx.workdir / "merged"
            load_causal_lm(source, base=base, bf16=bf16).save_pretrained(merged)
            source = merged
        tokenizer = load_tokenizer(tokenizer_dir)
        backend: Backend = VLLMBackend(
            source,
            tokenizer_dir,
            sampling,
            seed=ctx.spec.seed,
            dtype="bfloat16" if bf16 else "float32",
            gpu_memory_utilization=config.vllm_gpu_memory_utilization,
            batch_size=max(config.batch_size, 256),
        )
        return backend, tokenizer
    model, tokenizer, source = load_model_and_tokenizer(ctx, bf16=bf16)
    if cuda:
        model = model.to("cuda")
    ctx.emitter.log(f"model loaded from {source}")
    return TransformersBackend(model, tokenizer, sampling, batch_size=config.batch_size), tokenizer


def run_generate(ctx: RunContext) -> RunResult:
    """Generate for ``ctx.spec``; see the module docstring."""
    config = ctx.config
    assert isinstance(config, GenerateConfig)
    quiet_libraries()
    if not ctx.spec.data_uris:
        raise DataError("a generate job needs at least one snapshot or benchmark file in data_uris")
    name = choose_backend(config.backend)
    selected = _select(ctx, config)
    backend, tokenizer = _backend(ctx, config, name)
    problems = _prompted(selected, tokenizer, config)
    store = ctx.artifacts
    uri = store.uri(GENERATIONS_FILE)
    previous = _previous_lines(store, _fingerprint(ctx, config), ctx.spec.job_id)
    plan = [
        (p, i) for p in problems for i in range(config.n) if (p.data_uri, p.record.task_id, i) not in previous
    ]
    total = len(problems) * config.n
    kept = total - len(plan)
    ctx.emitter.log(
        f"{len(problems)} problems x {config.n} samples with {backend.name}"
        + (f"; {kept} kept from an earlier attempt" if kept else "")
    )
    started = time.perf_counter()
    ctx.emitter.emit("generations", {"done": kept, "total": total, "generations_uri": uri})
    done, cancelled = _generate_batches(ctx, config, backend, store, plan, done=kept, total=total, uri=uri)
    seconds = time.perf_counter() - started
    ctx.emitter.emit("generations", {"done": done, "total": total, "generations_uri": uri})
    payload = {
        "generations_uri": uri,
        "count": done,
        "total": total,
        "backend": backend.name,
        "seconds": round(seconds, 3),
        "samples_per_second": round((done - kept) / seconds, 3) if seconds > 0 else None,
    }
    return RunResult(
        status="cancelled" if cancelled else "finished", step=0, checkpoint=None, metrics={}, payload=payload
    )


def _select(ctx: RunContext, config: GenerateConfig) -> list[tuple[str, ProblemRecord]]:
    """The records to generate for (:func:`select_records`): none is a :class:`DataError`;
    task ids that were asked for and not found, and greedy repeats, are logged."""
    selected = select_records(ctx.data_uris, config)
    if not selected:
        files = ", ".join(ctx.spec.data_uris)
        raise DataError(f"no problem in {files} matches roles={config.roles} task_ids={config.task_ids}")
    if config.task_ids is not None:
        missing = sorted(set(config.task_ids) - {r.task_id for _, r in selected})
        if missing and config.limit is None:
            ctx.emitter.log(f"task_ids not found: {', '.join(missing[:20])}", level="warning")
    if config.greedy and config.n > 1:
        ctx.emitter.log(f"temperature 0 is greedy: the {config.n} samples of a problem will be identical")
    return selected


def _prompted(
    selected: list[tuple[str, ProblemRecord]], tokenizer: Any, config: GenerateConfig
) -> list[Problem]:
    """Each selected record with the text and token ids the model is asked."""
    problems = []
    for uri, record in selected:
        text = prompt_text(tokenizer, record, chat_template=config.chat_template)
        ids = prompt_ids(tokenizer, text, chat_template=config.chat_template)
        problems.append(Problem(uri, record, text, ids))
    return problems


def _generate_batches(
    ctx: RunContext,
    config: GenerateConfig,
    backend: Backend,
    store: Storage,
    plan: list[tuple[Problem, int]],
    *,
    done: int,
    total: int,
    uri: str,
) -> tuple[int, bool]:
    """Generate ``plan`` batch by batch (module docstring): after each batch its lines are
    appended, a lost lock stops the job, a cancel ends the loop and a progress event goes out
    when ``progress_every_s`` has passed. Returns the samples the file holds (``done`` at the
    start) and whether a cancel ended it."""
    last_report = time.monotonic()
    for start in range(0, len(plan), backend.batch_size):
        batch = plan[start : start + backend.batch_size]
        store.append_text(GENERATIONS_FILE, "".join(_generate_batch(ctx, backend, batch)))
        done += len(batch)
        if ctx.heartbeat is not None and ctx.heartbeat.lost.is_set():
            raise JobStopped("another worker took over this job (its lock expired); stopped between batches")
        if ctx.control is not None and ctx.control.cancel_requested():
            return done, True
        if time.monotonic() - last_report >= config.progress_every_s and done < total:
            ctx.emitter.emit("generations", {"done": done, "total": total, "generations_uri": uri})
            last_report = time.monotonic()
    return done, False


def _generate_batch(ctx: RunContext, backend: Backend, batch: list[tuple[Problem, int]]) -> list[str]:
    """One call of the backend for ``batch``; its samples as :class:`GenerationRecord` lines."""
    from sandbox import extract_code

    requests = [
        SampleRequest(p.prompt_ids, sample_seed(ctx.spec.seed, p.data_uri, p.record.task_id, i))
        for p, i in batch
    ]
    batch_started = time.perf_counter()
    outputs = backend.generate(requests)
    share = (time.perf_counter() - batch_started) / len(batch)
    lines = []
    for (problem, index), out in zip(batch, outputs, strict=True):
        record = problem.record
        row = GenerationRecord(
            task_id=record.task_id,
            sample_index=index,
            source=record.source,
            data_uri=problem.data_uri,
            prompt=problem.prompt,
            completion=out.completion,
            code=extract_code(out.completion, record.entry_point, record.prompt),
            prompt_tokens=out.prompt_tokens,
            completion_tokens=out.completion_tokens,
            finish_reason=out.finish_reason,
            seconds=round(share, 6),
        )
        lines.append(row.to_json() + "\n")
    return lines

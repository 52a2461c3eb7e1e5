"""Generation backends (DESIGN.md's generation backends): batched ``transformers``
generation with left padding everywhere, vLLM where it is installed and CUDA is present.

Both take a batch of :class:`SampleRequest` (prompt token ids and a per-sample seed) and
return one :class:`SampleOutput` each, so the ``generate`` runner batches, writes, reports
and cancels the same way whatever generates. A sample's randomness comes only from its own
seed (:func:`sample_seed`, derived from the job's seed, the problem and the sample index), so
the same seed gives the same samples whatever the batch size, the order or the ``limit``
(up to floating-point differences between padded and unpadded batches).

torch, transformers and vllm are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from training_worker.configs import ConfigError
from training_worker.contracts import ProblemRecord
from training_worker.data import user_message

BACKEND_NAMES: tuple[str, ...] = ("transformers", "vllm")


@dataclass(frozen=True)
class Sampling:
    """How every sample of a job is drawn."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        """Temperature 0: the most likely token every time, no randomness."""
        return self.temperature == 0


@dataclass(frozen=True)
class SampleRequest:
    """One sample to generate: the prompt's token ids and the sample's own seed."""

    prompt_ids: list[int]
    seed: int


@dataclass(frozen=True)
class SampleOutput:
    """One generated sample (a stop string that ended it is left out of ``completion``)."""

    completion: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" | "length"


class Backend(Protocol):
    """A generation backend."""

    name: str
    #: Samples the runner hands over per call (its unit of writing, progress and cancel).
    batch_size: int

    def generate(self, requests: list[SampleRequest]) -> list[SampleOutput]:
        """One output per request, in order."""
        ...


def sample_seed(seed: int, data_uri: str, task_id: str, sample_index: int) -> int:
    """The seed of one sample: a hash of the job's seed, the problem and the sample index."""
    digest = hashlib.sha256(f"{seed}\x00{data_uri}\x00{task_id}\x00{sample_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def prompt_text(tokenizer: Any, record: ProblemRecord, *, chat_template: bool) -> str:
    """The text the model continues: the user message of training through the chat
    template, or the record's prompt as it is (raw completion, HumanEval style)."""
    if not chat_template:
        return record.prompt
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": user_message(record)}], add_generation_prompt=True, tokenize=False
    )
    return str(text)


def prompt_ids(tokenizer: Any, text: str, *, chat_template: bool) -> list[int]:
    """Token ids of ``text``; the chat template already holds its special tokens, a raw
    prompt gets the tokenizer's usual ones (a BOS token for models that want one)."""
    ids = tokenizer(text, add_special_tokens=not chat_template)["input_ids"]
    return [int(i) for i in ids]


def cut_at_stop(text: str, stops: tuple[str, ...] | list[str]) -> tuple[str, bool]:
    """``text`` up to the first stop string (left out), and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def vllm_available() -> bool:
    """vLLM is installed and a CUDA device is present."""
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def choose_backend(requested: str) -> str:
    """The backend a job asking for ``requested`` (``auto``, ``transformers``, ``vllm``) gets;
    a :class:`~training_worker.configs.ConfigError` naming ``backend`` when it asked for vLLM
    and vLLM cannot run here."""
    if requested == "auto":
        return "vllm" if vllm_available() else "transformers"
    if requested == "vllm" and not vllm_available():
        raise ConfigError("backend", "vllm needs the vllm package and a CUDA device; this worker lacks one")
    if requested not in BACKEND_NAMES:
        raise ConfigError("backend", f"must be one of auto, {', '.join(BACKEND_NAMES)}, got {requested!r}")
    return requested


def eos_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every token id that ends a turn: the tokenizer's EOS and the model's own list."""
    ids: set[int] = set()
    for value in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return sorted(ids)


class TransformersBackend:
    """``model.generate`` on batches of left-padded prompts. Sampling draws each row's next
    token from that row's own seeded ``torch.Generator`` (a logits processor that leaves
    only the drawn token, so greedy selection picks it); stop strings end a row through
    transformers' ``StopStringCriteria`` and are cut from the text afterwards."""

    name = "transformers"

    def __init__(self, model: Any, tokenizer: Any, sampling: Sampling, *, batch_size: int = 8) -> None:
        self.model, self.tokenizer, self.sampling = model, tokenizer, sampling
        self.batch_size = batch_size
        self.eos = eos_ids(model, tokenizer)
        self.pad = int(tokenizer.pad_token_id)
        self.model.eval()

    def _generation_config(self) -> Any:
        from transformers import GenerationConfig

        return GenerationConfig(  # type: ignore[no-untyped-call]
            max_new_tokens=self.sampling.max_new_tokens,
            do_sample=False,
            num_beams=1,
            eos_token_id=self.eos or None,
            pad_token_id=self.pad,
            stop_strings=list(self.sampling.stop) or None,
        )

    def generate(self, requests: list[SampleRequest]) -> list[SampleOutput]:
        """See :class:`Backend`."""
        import torch
        from transformers import LogitsProcessorList

        device = self.model.device
        width = max(len(r.prompt_ids) for r in requests)
        input_ids = torch.full((len(requests), width), self.pad, dtype=torch.long)
        attention = torch.zeros((len(requests), width), dtype=torch.long)
        for row, request in enumerate(requests):
            input_ids[row, width - len(request.prompt_ids) :] = torch.tensor(request.prompt_ids)
            attention[row, width - len(request.prompt_ids) :] = 1
        processors = LogitsProcessorList()
        if not self.sampling.greedy:
            processors.append(SeededSampler([r.seed for r in requests], self.sampling))
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                generation_config=self._generation_config(),
                logits_processor=processors,
                tokenizer=self.tokenizer if self.sampling.stop else None,
            )
        return [
            self._output(row[width:].tolist(), len(r.prompt_ids))
            for row, r in zip(out.cpu(), requests, strict=True)
        ]

    def _output(self, tokens: list[int], prompt_tokens: int) -> SampleOutput:
        # A finished row is padded to the batch's length: it ends at its first EOS (counted,
        # as the model generated it) or its first pad.
        end, ended = len(tokens), False
        for i, token in enumerate(tokens):
            if token in self.eos:
                end, ended = i + 1, True
                break
            if token == self.pad:
                end, ended = i, True
                break
        text = self.tokenizer.decode(tokens[:end], skip_special_tokens=True)
        text, stopped = cut_at_stop(text, self.sampling.stop)
        length = not (ended or stopped) and end >= self.sampling.max_new_tokens
        return SampleOutput(
            completion=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=end,
            finish_reason="length" if length else "stop",
        )


class SeededSampler:
    """A transformers logits processor that samples each row's next token with its own
    generator (temperature, then top-p) and leaves only that token possible."""

    def __init__(self, seeds: list[int], sampling: Sampling) -> None:
        import torch

        self.sampling = sampling
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        probs = torch.softmax(scores.float() / self.sampling.temperature, dim=-1)
        order = None
        if self.sampling.top_p < 1:
            probs, order = probs.sort(dim=-1, descending=True)
            # Keep the smallest prefix whose mass reaches top_p (the first token always).
            probs = probs.masked_fill(probs.cumsum(-1) - probs >= self.sampling.top_p, 0.0)
        cdf = probs.cumsum(-1)
        # One uniform draw per row from the row's own generator: the row's tokens depend on
        # its seed alone, not on what else is in the batch.
        u = torch.cat([torch.rand(1, generator=g, dtype=torch.float64) for g in self.generators])
        u = (u.to(cdf.device, torch.float32) * cdf[:, -1]).unsqueeze(-1)
        chosen = torch.searchsorted(cdf, u).clamp_(max=cdf.shape[-1] - 1)
        if order is not None:
            chosen = order.gather(-1, chosen)
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(-1, chosen, 0.0)


class VLLMBackend:
    """vLLM's offline ``LLM.generate`` on token-id prompts, one request per sample with the
    sample's seed. Only on CUDA hosts with vllm installed; unverified on the development
    machines (``scripts/gpu_check.sh`` runs it where a GPU is lent)."""

    name = "vllm"

    def __init__(
        self,
        model_dir: Path,
        tokenizer_dir: Path,
        sampling: Sampling,
        *,
        seed: int,
        dtype: str,
        gpu_memory_utilization: float,
        batch_size: int = 256,
    ) -> None:
        from vllm import LLM

        self.sampling = sampling
        self.batch_size = batch_size
        self.llm = LLM(
            model=str(model_dir),
            tokenizer=str(tokenizer_dir),
            dtype=dtype,
            seed=seed,
            gpu_memory_utilization=gpu_memory_utilization,
            enable_prefix_caching=True,
        )

    def generate(self, requests: list[SampleRequest]) -> list[SampleOutput]:
        """See :class:`Backend`."""
        from vllm import SamplingParams

        params = [
            SamplingParams(
                n=1,
                temperature=self.sampling.temperature,
                top_p=self.sampling.top_p,
                max_tokens=self.sampling.max_new_tokens,
                stop=list(self.sampling.stop) or None,
                seed=None if self.sampling.greedy else r.seed,
            )
            for r in requests
        ]
        prompts: Any = [{"prompt_token_ids": r.prompt_ids} for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for request, output in zip(requests, outputs, strict=True):
            sample = output.outputs[0]
            results.append(
                SampleOutput(
                    completion=sample.text,
                    prompt_tokens=len(request.prompt_ids),
                    completion_tokens=len(sample.token_ids),
                    finish_reason="length" if sample.finish_reason == "length" else "stop",
                )
            )
        return results


def generate_answers(
    model: Any,
    tokenizer: Any,
    records: list[ProblemRecord],
    *,
    max_new_tokens: int = 256,
    batch_size: int = 8,
    temperature: float = 0.0,
    seed: int = 0,
) -> list[str]:
    """One answer per record, asked through the chat template as in training (the
    ``solve`` command's quick check)."""
    sampling = Sampling(temperature=temperature, max_new_tokens=max_new_tokens)
    backend = TransformersBackend(model, tokenizer, sampling, batch_size=batch_size)
    requests = [
        SampleRequest(
            prompt_ids(tokenizer, prompt_text(tokenizer, r, chat_template=True), chat_template=True),
            sample_seed(seed, "", r.task_id, 0),
        )
        for r in records
    ]
    answers: list[str] = []
    for start in range(0, len(requests), batch_size):
        answers += [o.completion for o in backend.generate(requests[start : start + batch_size])]
    return answers

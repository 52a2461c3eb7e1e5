"""The sampling protocol of an evaluation: stored with the run, locked, and hashed so that
only runs sampled the same way are compared.

Core holds it (it is pure: no model, no query) because training stores the protocol of its
evaluations during training on a run and evaluation locks it on each evaluation, and an app
imports only from below it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from training_worker.contracts import EVAL_ROLE

#: k a protocol asks for when the researcher names none: the usual trio, capped by n.
DEFAULT_KS = (1, 5, 10)
#: Cases and tests of one generation share this wall clock in the sandbox (as the RL reward).
DEFAULT_TIMEOUT_S = 5.0
#: Sampling temperature when more than one sample is drawn and none is named.
SAMPLING_TEMPERATURE = 0.8


class ProtocolError(ValueError):
    """A protocol field is out of range; ``field`` names it (forms show it there)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How the samples are drawn and judged. ``n = 1, temperature = 0`` is greedy pass@1."""

    n: int = 10  # samples per problem: pass@k needs k <= n
    ks: tuple[int, ...] = DEFAULT_KS  # the k reported (of the default, those above n are dropped)
    temperature: float = SAMPLING_TEMPERATURE  # Chen et al.'s setting for pass@10-style estimates
    top_p: float = 0.95
    max_new_tokens: int = 512  # enough for one function with a docstring
    seed: int = 0
    chat_template: bool = True  # ask through the model's chat template, as SFT trained it
    stop: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if not 1 <= self.n <= 1000:
            raise ProtocolError("n", "must be between 1 and 1000")
        ks = tuple(sorted({int(k) for k in self.ks}))
        if self.ks == DEFAULT_KS:  # the default trio shrinks to what n allows
            ks = tuple(k for k in ks if k <= self.n)
        if not ks or ks[0] < 1:
            raise ProtocolError("ks", "give at least one k of 1 or more")
        if ks[-1] > self.n:
            raise ProtocolError("ks", f"every k must be at most n ({self.n}); got {ks[-1]}")
        object.__setattr__(self, "ks", ks)
        if not 0.0 <= self.temperature <= 5.0:
            raise ProtocolError("temperature", "must be between 0 and 5")
        if self.temperature == 0.0 and self.n > 1:
            raise ProtocolError("temperature", "greedy decoding (0) gives the same sample n times; use n = 1")
        if not 0.0 < self.top_p <= 1.0:
            raise ProtocolError("top_p", "must be in (0, 1]")
        if not 1 <= self.max_new_tokens <= 32768:
            raise ProtocolError("max_new_tokens", "must be between 1 and 32768")
        if not 0 <= self.seed < 2**32:
            raise ProtocolError("seed", "must be in [0, 2**32)")
        if not 0 < self.timeout_s <= 600:
            raise ProtocolError("timeout_s", "must be in (0, 600] seconds")
        object.__setattr__(self, "stop", tuple(str(s) for s in self.stop if str(s)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (lists for the tuples)."""
        data = dataclasses.asdict(self)
        data["ks"], data["stop"] = list(self.ks), list(self.stop)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Protocol:
        """Reverse of :meth:`to_dict`; unknown keys are refused."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ProtocolError(unknown[0], "is not a protocol field")
        fields = dict(data)
        for name in ("ks", "stop"):
            if name in fields:
                fields[name] = tuple(fields[name])
        return cls(**fields)

    @classmethod
    def resolve(cls, values: Mapping[str, Any]) -> Protocol:
        """The protocol of the fields in ``values``, every other field at its default, except
        that one sample (``n = 1``) with no temperature named is greedy: the one rule for the
        launch form, ``manage.py evaluate`` and evaluation during training."""
        fields = dict(values)
        if "temperature" not in fields or fields["temperature"] is None:
            fields["temperature"] = 0.0 if fields.get("n", cls.n) == 1 else SAMPLING_TEMPERATURE
        return cls.from_dict(fields)

    @classmethod
    def during_training(cls, values: Mapping[str, Any] | None = None) -> Protocol:
        """Evaluation during training: one greedy sample per problem (pass@1 without sampling
        noise, the cheapest number that moves with training) unless ``values`` say otherwise;
        more samples are drawn at :data:`SAMPLING_TEMPERATURE` with the default k's."""
        return cls.resolve({"n": 1, **(values or {})})

    @property
    def comparable_hash(self) -> str:
        """16 hex digits of everything but the seed: two runs that differ only in their seed
        draw from the same distribution, so their numbers may sit in one table."""
        data = self.to_dict()
        data.pop("seed")
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def method_config(self, *, batch_size: int = 8) -> dict[str, Any]:
        """The ``method_config`` of the ``generate`` JobSpec."""
        return {
            "n": self.n,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens,
            "stop": list(self.stop),
            "chat_template": self.chat_template,
            "batch_size": batch_size,
            "backend": "auto",
            "roles": [EVAL_ROLE],  # evaluation scores exactly the suites' eval rows
            "task_ids": None,
        }

    def describe(self) -> str:
        """One line for pages: ``n=10 · T=0.8 · top-p 0.95 · 512 tokens · seed 0``."""
        greedy = " (greedy)" if self.temperature == 0 else ""
        return (
            f"n={self.n} · T={self.temperature:g}{greedy} · top-p {self.top_p:g} · "
            f"{self.max_new_tokens} tokens · seed {self.seed}"
            + ("" if self.chat_template else " · no chat template")
            + (f" · stop {', '.join(repr(s) for s in self.stop)}" if self.stop else "")
        )

"""Job kinds by name (training methods and generation): each is a typed config class and a
runner, imported only when a job of that kind runs. A new kind is one config class, one
runner function and one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from training_worker.configs import (
    GenerateConfig,
    GRPOMethodConfig,
    RLOOMethodConfig,
    SFTMethodConfig,
    TypedConfig,
)

if TYPE_CHECKING:
    from training_worker.runners.common import RunContext, RunResult


@dataclass(frozen=True)
class Method:
    """A job kind: its config class and its runner (``module:function``)."""

    name: str
    config_class: type[TypedConfig]
    runner: str

    def load_runner(self) -> Callable[[RunContext], RunResult]:
        """Import the runner (torch, transformers and trl come with it)."""
        module, _, function = self.runner.partition(":")
        runner: Any = getattr(importlib.import_module(module), function)
        return runner  # type: ignore[no-any-return]


METHODS: dict[str, Method] = {
    "sft": Method("sft", SFTMethodConfig, "training_worker.runners.sft:run_sft"),
    "grpo": Method("grpo", GRPOMethodConfig, "training_worker.runners.rl:run_rl"),
    "rloo": Method("rloo", RLOOMethodConfig, "training_worker.runners.rl:run_rl"),
    "generate": Method("generate", GenerateConfig, "training_worker.runners.generate:run_generate"),
}


class UnknownMethod(LookupError):
    """No method of that name on this worker."""


def method(name: str) -> Method:
    """The method called ``name``."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownMethod(
            f"no runner for kind {name!r} on this worker; it runs {', '.join(METHODS)}"
        ) from None

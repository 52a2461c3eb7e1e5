"""The artifact root (``settings.ARTIFACT_ROOT``, DESIGN.md "Artifacts") as the web side sees it.

One root for every app: snapshots (mixtures), runs' checkpoints (training), generations
(evaluation), study exports (studies). A local root is made absolute here, once: the URIs
the web side stores and puts in JobSpecs are read by worker processes whose working
directory may differ from the web server's. Both helpers read the setting on each call
(tests override it).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from training_worker.storage import Storage, is_local, local_path


def _root() -> str:
    root = str(settings.ARTIFACT_ROOT)
    if "://" not in root:
        root = str(Path(root).expanduser().resolve())
    return root


def artifact_storage() -> Storage:
    """The artifact root as a :class:`~training_worker.storage.Storage` (absolute when local)."""
    return Storage(_root())


def artifact_root() -> Path:
    """The artifact root as an absolute local path; a remote root (``s3://…``) raises
    ``NotImplementedError`` (the helpers that want a ``Path`` need a local root)."""
    root = _root()
    if not is_local(root):
        raise NotImplementedError(f"ARTIFACT_ROOT={root}: only local paths are supported so far")
    return local_path(root)

"""The one module that reads and writes artifacts (DESIGN.md, "Artifacts").

A :class:`Storage` is rooted at a URI: a local path or ``file://`` URL (standard library,
atomic writes), or any fsspec URL (``s3://bucket/atomlab``, ``gs://…``, ``memory://…``;
fsspec is imported only then). Keys are ``/``-separated paths under the root
(``snapshots/<sha>.jsonl``, ``runs/<id>/checkpoints/checkpoint-40``). No torch, no Django:
the web side and the GPU workers share it, so a worker on another host reads and writes
exactly what the web side does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any


class StorageError(OSError):
    """An artifact is missing or a key is invalid; the message names the URI."""


def is_local(uri: str) -> bool:
    """True for a plain path or a ``file://`` URL."""
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> Path:
    """The filesystem path of a local URI (``file:///x`` -> ``/x``)."""
    if not is_local(uri):
        raise StorageError(f"{uri} is not a local path")
    return Path(uri.removeprefix("file://")).expanduser()


def _clean_key(key: str) -> str:
    parts = PurePosixPath(key).parts
    if any(p in ("..",) for p in parts) or key.startswith("/"):
        raise StorageError(f"artifact key {key!r} must be relative and stay under the root")
    return "/".join(p for p in parts if p not in ("", "."))


def write_atomically(path: Path, data: Iterable[bytes]) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place, so a
    reader never sees half a file and two writers of the same content both succeed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Storage:
    """Artifacts under one root URI (see the module docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        root = os.fspath(root)
        if not root.strip():
            raise StorageError("an artifact root must not be empty")
        self.root = root.rstrip("/") or "/"
        self.local = is_local(self.root)
        self._fs: Any = None
        self._fs_root = ""

    def __repr__(self) -> str:
        return f"Storage({self.root!r})"

    # --- addressing ---------------------------------------------------------------------

    def uri(self, key: str = "") -> str:
        """The full URI of ``key`` (what events and the database record)."""
        key = _clean_key(key)
        return f"{self.root}/{key}" if key else self.root

    def child(self, key: str) -> Storage:
        """A storage rooted at ``key`` under this one."""
        return Storage(self.uri(key))

    def path(self, key: str = "") -> Path:
        """The local path of ``key``; only for a local root."""
        if not self.local:
            raise StorageError(f"{self.uri(key)} is not on the local filesystem")
        key = _clean_key(key)
        base = local_path(self.root)
        return base / key if key else base

    def _filesystem(self) -> tuple[Any, str]:
        if self._fs is None:
            import fsspec

            self._fs, self._fs_root = fsspec.core.url_to_fs(self.root)
            self._fs_root = str(self._fs_root).rstrip("/")
        return self._fs, self._fs_root

    def _remote(self, key: str) -> tuple[Any, str]:
        fs, base = self._filesystem()
        key = _clean_key(key)
        return fs, f"{base}/{key}" if key else base

    # --- files --------------------------------------------------------------------------

    def exists(self, key: str = "") -> bool:
        """Whether a file or a directory exists at ``key``."""
        if self.local:
            return self.path(key).exists()
        fs, path = self._remote(key)
        return bool(fs.exists(path))

    def files(self, key: str = "") -> list[tuple[str, int]]:
        """Every file under the directory ``key``, recursively: ``(path relative to key, size
        in bytes)``, sorted (empty when it does not exist). For archives streamed file by file."""
        if self.local:
            base = self.path(key)
            found = [p for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
            return sorted((p.relative_to(base).as_posix(), p.stat().st_size) for p in found)
        fs, folder = self._remote(key)
        if not fs.isdir(folder):
            return []
        found = fs.find(folder, detail=True)
        return sorted((str(n)[len(folder) :].lstrip("/"), int(info["size"])) for n, info in found.items())

    def read_bytes(self, key: str) -> bytes:
        """The content of the file at ``key``."""
        try:
            if self.local:
                return self.path(key).read_bytes()
            fs, path = self._remote(key)
            return bytes(fs.cat_file(path))
        except FileNotFoundError:
            raise StorageError(f"{self.uri(key)} does not exist") from None

    def read_text(self, key: str) -> str:
        """The UTF-8 content of the file at ``key``."""
        return self.read_bytes(key).decode("utf-8")

    def write_bytes(self, key: str, data: bytes) -> str:
        """Write a whole file (atomically on a local root); returns its URI."""
        if self.local:
            write_atomically(self.path(key), [data])
        else:
            fs, path = self._remote(key)
            parent = path.rsplit("/", 1)[0]
            with contextlib.suppress(Exception):  # object stores have no directories
                fs.makedirs(parent, exist_ok=True)
            fs.pipe_file(path, data)
        return self.uri(key)

    def write_text(self, key: str, text: str) -> str:
        """Write a whole UTF-8 file; returns its URI."""
        return self.write_bytes(key, text.encode("utf-8"))

    def append_text(self, key: str, text: str) -> str:
        """Add ``text`` at the end of the file at ``key`` (created when missing); returns its
        URI. Locally an append flushed to the disk before returning, so what was appended
        survives a crash of the writer; elsewhere (object stores cannot append) the file is
        rewritten whole, which costs its size on every call."""
        if self.local:
            path = self.path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            return self.uri(key)
        old = self.read_bytes(key) if self.exists(key) else b""
        return self.write_bytes(key, old + text.encode("utf-8"))

    @contextlib.contextmanager
    def open(self, key: str, mode: str = "rb") -> Iterator[IO[Any]]:
        """A file object for ``key`` (``rb``, ``r``, ``wb``, ``w``). Local writes land atomically
        when the block ends without an exception."""
        if mode not in ("rb", "r", "wb", "w"):
            raise StorageError(f"open: unsupported mode {mode!r}")
        text = "b" not in mode
        if self.local:
            path = self.path(key)
            if mode.startswith("r"):
                try:
                    fh: IO[Any] = path.open(mode, encoding="utf-8" if text else None)
                except FileNotFoundError:
                    raise StorageError(f"{self.uri(key)} does not exist") from None
                with fh:
                    yield fh
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, mode, encoding="utf-8" if text else None) as out:
                    yield out
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return
        fs, remote = self._remote(key)
        if mode.startswith("w"):
            with contextlib.suppress(Exception):
                fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        try:
            with fs.open(remote, mode, **({"encoding": "utf-8"} if text else {})) as fh:
                yield fh
        except FileNotFoundError:
            raise StorageError(f"{self.uri(key)} does not exist") from None

    def list(self, key: str = "") -> list[str]:
        """Names directly under the directory ``key``, sorted (empty when it does not exist)."""
        if self.local:
            path = self.path(key)
            return sorted(p.name for p in path.iterdir()) if path.is_dir() else []
        fs, remote = self._remote(key)
        if not fs.exists(remote):
            return []
        return sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(remote, detail=False))

    def delete(self, key: str) -> None:
        """Remove a file or a directory tree (nothing when it does not exist)."""
        if self.local:
            path = self.path(key)
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            return
        fs, remote = self._remote(key)
        if fs.exists(remote):
            fs.rm(remote, recursive=True)

    # --- directories (checkpoints, models) --------------------------------------------

    def put_dir(self, local_dir: str | os.PathLike[str], key: str) -> str:
        """Copy a local directory tree to ``key``; returns its URI. Locally the copy goes to a
        temporary sibling and is renamed into place, so a half-copied checkpoint never
        appears under its final name."""
        source = Path(local_dir)
        if not source.is_dir():
            raise StorageError(f"{source} is not a directory")
        if self.local:
            target = self.path(key)
            if source.resolve() == target.resolve():
                return self.uri(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
            try:
                shutil.copytree(source, tmp, dirs_exist_ok=True)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            return self.uri(key)
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            self.write_bytes(f"{key}/{file.relative_to(source).as_posix()}", file.read_bytes())
        return self.uri(key)

    def get_dir(self, key: str, local_dir: str | os.PathLike[str]) -> Path:
        """Copy the directory tree at ``key`` into ``local_dir`` (created); returns it."""
        target = Path(local_dir)
        if self.local:
            source = self.path(key)
            if not source.is_dir():
                raise StorageError(f"{self.uri(key)} is not a directory")
            shutil.copytree(source, target, dirs_exist_ok=True)
            return target
        fs, path = self._remote(key)
        if not fs.isdir(path):
            raise StorageError(f"{self.uri(key)} is not a directory")
        target.mkdir(parents=True, exist_ok=True)
        for remote in fs.find(path):
            rel = str(remote)[len(path) :].lstrip("/")
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(bytes(fs.cat_file(remote)))
        return target


def resolve_uri(uri: str, root: str) -> str:
    """``uri`` itself, unless it is a plain relative path (``evals/7``,
    ``snapshots/<sha>.jsonl``): then the same key under the artifact root ``root``, so the
    web side can name artifacts without knowing where a worker mounts the store."""
    if "://" in uri or uri.startswith(("/", "~")):
        return uri
    return Storage(root).uri(uri)


def materialise_dir(uri: str, cache_dir: str | os.PathLike[str]) -> Path:
    """A local directory holding the tree at ``uri``: the path itself when local, else a
    copy under ``cache_dir`` (reused when already complete)."""
    if is_local(uri):
        path = local_path(uri)
        if not path.is_dir():
            raise StorageError(f"{uri} is not a directory")
        return path
    import hashlib

    target = Path(cache_dir) / hashlib.sha256(uri.encode()).hexdigest()[:24]
    done = target / ".complete"
    if not done.exists():
        Storage(uri).get_dir("", target)
        done.write_text(uri)
    return target

"""Staged uploads: a file a form refused for another field's sake is kept server-side, so the
researcher fixes the name and submits again without picking the file a second time.

The file lands under ``VAR_DIR/staged-uploads/`` with a random token for a name; the token
travels in a hidden field and is only honoured for the session that uploaded it (the session
maps token to the original file name). A staged file older than :data:`KEEP_SECONDS` is
removed the next time anything is staged.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import HttpRequest

#: Where the session keeps ``{token: original file name}``.
SESSION_KEY = "staged_uploads"
#: A staged file nobody came back for is dropped after a day.
KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StagedUpload:
    """A kept file: its token (the hidden field's value), its original name and its path."""

    token: str
    name: str
    path: Path
    size: int

    def open(self) -> IO[bytes]:
        """The file's bytes, for a reader that streams them."""
        return self.path.open("rb")


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "staged-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _names(request: HttpRequest) -> dict[str, str]:
    return dict(request.session.get(SESSION_KEY) or {})


def stage_upload(request: HttpRequest, upload: Any) -> StagedUpload:
    """Keep ``upload`` (a Django ``UploadedFile``) for this session; returns its handle."""
    _sweep()
    token = secrets.token_urlsafe(16)
    path = _folder() / f"{token}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    names = _names(request)
    names[token] = str(upload.name)[:300]
    request.session[SESSION_KEY] = names
    return StagedUpload(token, names[token], path, path.stat().st_size)


def staged_upload(request: HttpRequest, token: str) -> StagedUpload | None:
    """The file staged as ``token`` by this session (``None`` for another session's token,
    a forged one or one whose file is gone)."""
    name = _names(request).get(token or "")
    if name is None:
        return None
    path = _folder() / f"{token}.upload"
    return StagedUpload(token, name, path, path.stat().st_size) if path.is_file() else None


def staged_drop(request: HttpRequest, staged: StagedUpload | None) -> None:
    """Forget ``staged`` and remove its file (once it was used)."""
    if staged is None:
        return
    names = _names(request)
    names.pop(staged.token, None)
    request.session[SESSION_KEY] = names
    staged.path.unlink(missing_ok=True)


def _sweep() -> None:
    """Remove staged files older than :data:`KEEP_SECONDS`."""
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:  # another process removed it first
            continue


__all__ = ["StagedUpload", "stage_upload", "staged_drop", "staged_upload"]

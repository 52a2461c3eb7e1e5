"""Untrusted text (model output, a program's stdout, a value a candidate returned) made
storable: PostgreSQL refuses NUL (U+0000) in text and in jsonb, SQLite would keep it. Every
such value goes through :func:`db_text` / :func:`db_json` before it is saved, so a model that
writes a NUL byte cannot fail a whole batch."""

from __future__ import annotations

from typing import Any

#: What a NUL becomes: the Unicode replacement character, visible on the page.
NUL_STANDIN = "\ufffd"


def db_text(value: str) -> str:
    """``value`` with every NUL replaced by :data:`NUL_STANDIN`."""
    return value.replace("\x00", NUL_STANDIN) if "\x00" in value else value


def db_json(value: Any) -> Any:
    """A JSON value with :func:`db_text` applied to every string in it (keys included)."""
    if isinstance(value, str):
        return db_text(value)
    if isinstance(value, list):
        return [db_json(v) for v in value]
    if isinstance(value, dict):
        return {db_text(str(k)): db_json(v) for k, v in value.items()}
    return value

"""Load settings for an entry point, turning a bad setting into one line and exit status 2."""

from __future__ import annotations

import importlib
import os
import sys


def load_settings_or_exit() -> None:
    """Import the settings module now, so a bad environment fails before anything starts."""
    from webapp.env import SettingsError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    try:
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except SettingsError as exc:
        print(f"atomlab: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

"""Settings for the test suite (pytest's ``DJANGO_SETTINGS_MODULE``).

pytest-django reads the settings before any conftest runs, so the suite's defaults live
here: real PostgreSQL and Redis database 15 unless the environment says otherwise. The
defaults go into ``os.environ`` so the worker processes the tests start inherit them.
"""

import os
from pathlib import Path

os.environ.setdefault("ATOMLAB_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Snapshots written by the tests (and by the worker processes they start) stay out of the
# development artifacts; tests that check files point settings.ARTIFACT_ROOT at a tmp_path.
os.environ.setdefault("ARTIFACT_ROOT", str(Path(__file__).resolve().parents[1] / "var" / "test-artifacts"))

from webapp.settings import *  # noqa: F403

# On SQLite (the second pass of `make test`), the test database is a file next to the one
# DATABASE_URL names, so the worker and web processes the tests start can open it too.
_db = DATABASES["default"]  # noqa: F405
if _db["ENGINE"].endswith("sqlite3") and _db["NAME"] != ":memory:":
    _db["TEST"] = {"NAME": f"{_db['NAME']}.test"}

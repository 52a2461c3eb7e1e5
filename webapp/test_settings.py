"""Settings for the test suite (pytest's ``DJANGO_SETTINGS_MODULE``).

pytest-django reads the settings before any conftest runs, so the suite's defaults live
here: real PostgreSQL and Redis database 15 unless the environment says otherwise. The
defaults go into ``os.environ`` so the worker processes the tests start inherit them.
"""

import os

os.environ.setdefault("ATOMLAB_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from webapp.settings import *  # noqa: F403
